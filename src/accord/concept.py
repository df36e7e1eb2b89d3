"""Concepts: independent modules with their own state, actions and queries.

A concept is a class deriving from :class:`Concept`. Its actions and queries are methods
decorated with :func:`action` and :func:`query`; their keyword parameters are the named inputs
and their return annotations declare the outputs:

* an action returns a ``TypedDict`` (one *case*) or a union of them; the case is told apart by
  its keys, and the error case is :class:`Error` (``{"error": ...}``);
* a query returns ``list[SomeTypedDict]``, one dict per row.

Inputs and outputs are validated with Pydantic at the boundary. State lives in SQL tables of the
engine's database (declared in ``schema``) and is reached through ``self.db``.
"""

from __future__ import annotations

import inspect
import json
import typing
from collections.abc import Callable, Coroutine, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import (
    Any,
    ClassVar,
    Generic,
    NotRequired,
    Protocol,
    TypeVar,
    overload,
)

import typing_extensions
from pydantic import TypeAdapter, ValidationError
from typing_extensions import TypedDict

from accord.annotations import for_pydantic, typed_dict_fields, union_members
from accord.migrations import Migration
from accord.state import Db

__all__ = [
    "ActionCall",
    "ActionDef",
    "ActionError",
    "Case",
    "Concept",
    "Error",
    "Invocation",
    "Pattern",
    "QueryCall",
    "QueryDef",
    "ValidationError",
    "action",
    "current_db",
    "current_invocation",
    "error",
    "error_case",
    "query",
    "render_value",
    "render_values",
]


class ActionError(TypedDict):
    """A typed error record: the value of ``error`` in an error completion."""

    kind: str
    message: str
    details: NotRequired[dict[str, Any]]


class Error(TypedDict):
    """The error case of an action: ``{"error": "message"}`` or ``{"error": ActionError}``."""

    error: str | ActionError


def error(kind: str, message: str, **details: Any) -> Error:
    """Build an error completion with a typed error record."""
    record: ActionError = {"kind": kind, "message": message}
    if details:
        record["details"] = details
    return {"error": record}


@dataclass(frozen=True, slots=True)
class Invocation:
    """What an action knows about the invocation it is running for."""

    id: int
    flow: int
    concept: str
    action: str
    attempt: int


# Set by the engine around each action and query it runs; ``Concept.db`` and
# ``Concept.invocation`` read them.
current_db: ContextVar[Db] = ContextVar("accord_current_db")
current_invocation: ContextVar[Invocation] = ContextVar("accord_current_invocation")


class Concept:
    """Base class of concepts.

    Subclasses declare ``schema`` (SQL statements creating their tables, run once at
    registration; use ``IF NOT EXISTS``) and decorated actions and queries. A concept never
    imports, calls or reads another concept: values owned elsewhere are opaque ids.
    """

    name: ClassVar[str]
    schema: ClassVar[tuple[str, ...]] = ()
    migrations: ClassVar[tuple[Migration, ...]] = ()
    actions: ClassVar[dict[str, ActionDef[Any]]]
    queries: ClassVar[dict[str, QueryDef[Any]]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__
        cls.actions = {}
        cls.queries = {}
        for klass in reversed(cls.__mro__):
            for attr, value in vars(klass).items():
                if isinstance(value, ActionDef):
                    cls.actions[attr] = value
                elif isinstance(value, QueryDef):
                    cls.queries[attr] = value

    @property
    def db(self) -> Db:
        """The database handle of the running action or query (state of this concept only)."""
        try:
            db = current_db.get()
        except LookupError:
            raise RuntimeError(
                f"{self.name}.db is only available while the engine runs one of its actions or "
                "queries; call actions through the engine (or accord.testing) instead"
            ) from None
        # A store that isolates state hands each concept a handle checked against its tables.
        scope = getattr(db, "for_concept", None)
        return db if scope is None else scope(self.name)

    @property
    def invocation(self) -> Invocation:
        """The invocation the running action serves (id, flow, attempt)."""
        try:
            return current_invocation.get()
        except LookupError:
            raise RuntimeError(f"{self.name}.invocation is only set inside an action") from None

    def setup(self) -> None:
        """Hook run once after the schema is created, inside a transaction (optional)."""

    def serve(self, runtime: Runtime) -> Coroutine[Any, Any, None] | None:
        """Optional background work while the engine runs (timers, deadlines).

        Return a coroutine; it may invoke this concept's actions as root actions through
        ``runtime.invoke`` (for example expiring a review in the flow it belongs to).
        """
        return None


class Runtime(Protocol):
    """What a concept's background service may do with the running engine."""

    async def invoke(
        self, action: ActionDef[Any], /, *, flow: int | None = None, **inputs: Any
    ) -> Any: ...

    def query(self, query: QueryDef[Any], /, **inputs: Any) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class Case:
    """One output case of an action: its keys (required and optional) and validator."""

    name: str
    required: frozenset[str]
    optional: frozenset[str]
    fields: Mapping[str, Any]
    adapter: TypeAdapter[Any]

    @property
    def keys(self) -> frozenset[str]:
        return self.required | self.optional

    def fits(self, keys: frozenset[str]) -> bool:
        """Whether an output with exactly these keys belongs to this case."""
        return self.required <= keys <= self.keys

    @property
    def is_error(self) -> bool:
        return self.required == {"error"}


F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C")


def _input_fields(fn: Callable[..., Any], hints: Mapping[str, Any]) -> dict[str, tuple[Any, bool]]:
    fields: dict[str, tuple[Any, bool]] = {}
    for pname, param in list(inspect.signature(fn).parameters.items())[1:]:
        if param.kind not in (param.KEYWORD_ONLY, param.POSITIONAL_OR_KEYWORD):
            raise TypeError(f"{fn.__qualname__}: inputs must be named parameters, not *{pname}")
        if pname not in hints:
            raise TypeError(f"{fn.__qualname__}: input {pname!r} needs a type annotation")
        fields[pname] = (hints[pname], param.default is not param.empty)
    return fields


def _typed_dict_case(td: Any, owner: str) -> Case:
    if not typing_extensions.is_typeddict(td):
        raise TypeError(
            f"{owner}: every output case must be a TypedDict (got {td!r}); "
            "return e.g. `Registered | Error` where `class Registered(TypedDict): user: str`"
        )
    hints = typed_dict_fields(td)
    required = frozenset(td.__required_keys__)
    optional = frozenset(td.__optional_keys__)
    return Case(td.__name__, required, optional, hints, TypeAdapter(for_pydantic(td)))


@cache
def error_case() -> Case:
    """The :class:`Error` case, which every action can complete with (an exception or a
    rejected input completes with ``error``) whether or not it declares it."""
    return _typed_dict_case(Error, "Error")


class _Declared(Generic[F]):
    """Shared machinery of actions and queries: signature and input validation."""

    kind: ClassVar[str]

    def __init__(self, fn: F) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.is_async = inspect.iscoroutinefunction(fn)
        self.owner: type[Concept] | None = None
        self._signature: tuple[dict[str, tuple[Any, bool]], Any] | None = None
        self._input_adapter: TypeAdapter[Any] | None = None
        self.__doc__ = fn.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.owner = owner
        self.name = name

    @property
    def concept(self) -> str:
        return self.owner.name if self.owner is not None else "?"

    @property
    def qualname(self) -> str:
        """``Concept/name``, the notation used in syncs and logs."""
        return f"{self.concept}/{self.name}"

    def _resolve(self) -> tuple[dict[str, tuple[Any, bool]], Any]:
        # Resolved lazily: annotations may name types defined after the class body.
        if self._signature is None:
            hints = typing.get_type_hints(self.fn, include_extras=True)
            if "return" not in hints:
                raise TypeError(f"{self.fn.__qualname__}: declare the outputs as a return type")
            self._signature = (_input_fields(self.fn, hints), hints["return"])
        return self._signature

    @property
    def inputs(self) -> dict[str, tuple[Any, bool]]:
        """Input name -> (annotation, has_default)."""
        return self._resolve()[0]

    def validate_input(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Validate (and coerce) inputs; raises pydantic.ValidationError naming bad fields."""
        if self._input_adapter is None:
            fields = {
                k: (NotRequired[ann] if has_default else ann)
                for k, (ann, has_default) in self.inputs.items()
            }
            td = TypedDict(f"{self.name}_input", fields)  # type: ignore[misc]
            self._input_adapter = TypeAdapter(td)
        unknown = values.keys() - self.inputs.keys()
        if unknown:
            raise ValueError(
                f"{self.qualname} has no input {', '.join(sorted(map(repr, unknown)))}; "
                f"its inputs are: {', '.join(self.inputs) or '(none)'}"
            )
        validated: dict[str, Any] = self._input_adapter.validate_python(values)
        return validated


class ActionDef(_Declared[F]):
    """An action declared on a concept class.

    On the class, ``Concept.act(**inputs)`` builds an :class:`ActionCall` for syncs; on an
    instance, it is the plain method.
    """

    kind = "action"

    def __init__(self, fn: F, *, concurrency: int | None = None) -> None:
        super().__init__(fn)
        self.concurrency = concurrency
        self._cases: tuple[Case, ...] | None = None

    @property
    def cases(self) -> tuple[Case, ...]:
        if self._cases is None:
            members = union_members(self._resolve()[1])
            self._cases = tuple(_typed_dict_case(m, self.fn.__qualname__) for m in members)
            successes = [c for c in self._cases if not c.is_error]
            if len(self._cases) > 1 and any(not c.required for c in successes):
                raise TypeError(
                    f"{self.fn.__qualname__}: a success case that shares an action with other "
                    "cases must return at least one required key, so patterns can tell them apart"
                )
        return self._cases

    @property
    def output_keys(self) -> frozenset[str]:
        return frozenset().union(*(c.keys for c in self.cases))

    def case_of(self, output: Mapping[str, Any]) -> Case:
        keys = frozenset(output)
        for case in self.cases:
            if case.fits(keys):
                return case
        expected = " | ".join("{" + ", ".join(sorted(c.keys)) + "}" for c in self.cases)
        raise ValueError(
            f"{self.qualname} returned keys {{{', '.join(sorted(keys))}}}, "
            f"which fit none of its declared cases: {expected}"
        )

    def validate_output(self, output: Mapping[str, Any]) -> dict[str, Any]:
        """Validate an output against the case its keys select."""
        if not isinstance(output, Mapping):
            raise TypeError(f"{self.qualname} must return a dict, got {type(output).__name__}")
        validated: dict[str, Any] = self.case_of(output).adapter.validate_python(output)
        return validated

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> ActionDef[F]: ...
    @overload
    def __get__(self, obj: object, owner: type[Any]) -> F: ...
    def __get__(self, obj: object | None, owner: type[Any]) -> ActionDef[F] | F:
        if obj is None:
            return self
        bound: F = self.fn.__get__(obj, owner)
        return bound

    def __call__(self, **inputs: Any) -> ActionCall:
        """A call of this action with inputs (literals or sync variables), for syncs."""
        return ActionCall(self, inputs)


class QueryDef(_Declared[F]):
    """A query declared on a concept class: a pure read returning a list of rows."""

    kind = "query"

    def __init__(self, fn: F, *, cached: bool = False) -> None:
        super().__init__(fn)
        self.cached = cached

    @property
    def row_fields(self) -> dict[str, Any]:
        ret = self._resolve()[1]
        if typing.get_origin(ret) is not list or not typing_extensions.is_typeddict(
            typing.get_args(ret)[0]
        ):
            raise TypeError(
                f"{self.fn.__qualname__}: a query returns list[SomeTypedDict] (one dict per row)"
            )
        return typed_dict_fields(typing.get_args(ret)[0])

    @overload
    def __get__(self, obj: None, owner: type[Any]) -> QueryDef[F]: ...
    @overload
    def __get__(self, obj: object, owner: type[Any]) -> F: ...
    def __get__(self, obj: object | None, owner: type[Any]) -> QueryDef[F] | F:
        if obj is None:
            return self
        bound: F = self.fn.__get__(obj, owner)
        return bound

    def __call__(self, **inputs: Any) -> QueryCall:
        """A use of this query in a sync's ``where`` with inputs (literals or variables)."""
        return QueryCall(self, inputs)


# -- calls: an action or query applied to inputs, the atoms of syncs ------------------------


@dataclass(frozen=True, slots=True)
class ActionCall:
    """``Concept/action: [inputs]``: an invocation in ``then``, or a ``when`` pattern."""

    action: ActionDef[Any]
    inputs: Mapping[str, Any]

    def out(self, **outputs: Any) -> Pattern:
        """A ``when`` pattern matching completions whose outputs match ``outputs``."""
        return Pattern(self.action, self.inputs, outputs)

    def err(self, value: Any) -> Pattern:
        """A ``when`` pattern matching the error case (``error: value``)."""
        return Pattern(self.action, self.inputs, {"error": value})

    def __str__(self) -> str:
        return f"{self.action.qualname}: {render_values(self.inputs)}"


@dataclass(frozen=True, slots=True)
class Pattern:
    """``Concept/action: [inputs] => [outputs]``, matched partially against completions."""

    action: ActionDef[Any]
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"{self.action.qualname}: {render_values(self.inputs)} => {render_values(self.outputs)}"
        )


@dataclass(frozen=True, slots=True)
class QueryCall:
    """A query in ``where``: fans a frame out to one frame per row.

    ``outputs`` maps row fields to variables (or literals, which filter rows).
    """

    query: QueryDef[Any]
    inputs: Mapping[str, Any]
    outputs: Mapping[str, Any] = field(default_factory=dict)

    def out(self, **outputs: Any) -> QueryCall:
        return QueryCall(self.query, self.inputs, {**self.outputs, **outputs})

    def __str__(self) -> str:
        return (
            f"{self.query.qualname}: {render_values(self.inputs)} => {render_values(self.outputs)}"
        )


def render_values(values: Mapping[str, Any]) -> str:
    """Inputs or outputs as the ``.sync`` notation writes them: ``[ key: value ; ... ]``.

    Values may hold sync variables, which render as ``?name``.
    """
    return (
        "[ " + " ; ".join(f"{k}: {render_value(v)}" for k, v in values.items()) + " ]"
        if values
        else "[]"
    )


def render_value(value: Any) -> str:
    """One value (literal, variable, or nested records and lists of them) in the notation."""
    if isinstance(value, Mapping):
        return render_values(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)  # numbers, and variables (``?name``)


@overload
def action(fn: F, /) -> ActionDef[F]: ...
@overload
def action(*, concurrency: int | None = None) -> Callable[[F], ActionDef[F]]: ...
def action(
    fn: F | None = None, /, *, concurrency: int | None = None
) -> ActionDef[F] | Callable[[F], ActionDef[F]]:
    """Declare an action. ``concurrency`` bounds how many invocations run at once."""
    if fn is not None:
        return ActionDef(fn)

    def decorate(f: F) -> ActionDef[F]:
        return ActionDef(f, concurrency=concurrency)

    return decorate


@overload
def query(fn: F, /) -> QueryDef[F]: ...
@overload
def query(*, cached: bool = False) -> Callable[[F], QueryDef[F]]: ...
def query(
    fn: F | None = None, /, *, cached: bool = False
) -> QueryDef[F] | Callable[[F], QueryDef[F]]:
    """Declare a query: a pure read of the concept's own state returning rows.

    ``cached=True`` lets the engine reuse a result for the same inputs until the next action
    of the same concept runs. Only a concept's own actions change its state, so a cached
    result is never stale, provided the rows depend on nothing else (not on the clock, say)
    and nobody mutates them: every caller of a cached query shares the same rows.
    """
    if fn is not None:
        return QueryDef(fn, cached=cached)

    def decorate(f: F) -> QueryDef[F]:
        return QueryDef(f, cached=cached)

    return decorate

"""The ``.sync`` text notation: parse sync definitions into the same model as the Python DSL.

::

    sync StoreCustomer
    when {
      Inbox/receive: [ message: ?m ] => []
      Extracting/extract: [ ref: ?m ] => [ output: ?record ]
    }
    where { bind(uuid() as ?customer) }
    then {
      Customers/add: [ customer: ?customer ; record: ?record ]
    }

``Concept/name`` resolves against the concepts given to :func:`parse_syncs`; a name that does
not resolve is reported in the wording of the static checks (:class:`SyncCheckError`), a
malformed text as a :class:`SyncSyntaxError` naming ``file:line:column``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from accord.checks.diagnostics import (
    Diagnostic,
    SyncCheckError,
    action_used_as_query,
    concept_names,
    query_used_as_action,
    suggest,
    unknown_concept,
    unknown_member,
)
from accord.concept import ActionDef, Concept, QueryDef
from accord.sync.model import (
    ActionCall,
    Bind,
    Collect,
    Filter,
    Optional,
    Pattern,
    QueryCall,
    Sync,
    Var,
    WhereClause,
)
from accord.sync.text import expressions

__all__ = ["SyncCheckError", "SyncSyntaxError", "load_sync_file", "parse_syncs"]


class SyncSyntaxError(ValueError):
    """A malformed ``.sync`` text: where (file:line:column), what was found, what was expected."""

    def __init__(self, message: str, filename: str, line: int, column: int, text: str) -> None:
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        lines = text.splitlines()
        self.source_line = lines[line - 1] if 0 < line <= len(lines) else ""
        caret = "".join(c if c == "\t" else " " for c in self.source_line[: column - 1]) + "^"
        super().__init__(f"{filename}:{line}:{column}: {message}\n  {self.source_line}\n  {caret}")


ConceptLike = type[Concept] | Concept


def parse_syncs(
    text: str, concepts: Iterable[ConceptLike], *, filename: str = "<string>"
) -> list[Sync]:
    """Parse every sync in ``text``, resolving ``Concept/name`` against ``concepts``.

    Raises :class:`SyncSyntaxError` for malformed text and :class:`SyncCheckError` (listing
    every problem) when names do not resolve to the concepts' actions and queries.
    """
    syncs, diagnostics = parse_with_diagnostics(text, concepts, filename=filename)
    if diagnostics:
        raise SyncCheckError(diagnostics)
    return syncs


def load_sync_file(path: str | Path, concepts: Iterable[ConceptLike]) -> list[Sync]:
    """Parse a ``.sync`` file (see :func:`parse_syncs`)."""
    path = Path(path)
    return parse_syncs(path.read_text(encoding="utf-8"), concepts, filename=str(path))


def parse_with_diagnostics(
    text: str, concepts: Iterable[ConceptLike], *, filename: str = "<string>"
) -> tuple[list[Sync], list[Diagnostic]]:
    """Like :func:`parse_syncs`, but returns the syncs whose names resolved and the
    diagnostics of the others instead of raising :class:`SyncCheckError`."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, text, filename) from None
    builder = _Builder(text, concept_names(concepts), filename)
    syncs = [s for s in (builder.sync(t) for t in tree.children if isinstance(t, Tree)) if s]
    return syncs, builder.diagnostics


# -- parsing -----------------------------------------------------------------------------------


@cache
def _parser() -> Lark:
    grammar = Path(__file__).with_name("sync.lark").read_text(encoding="utf-8")
    return Lark(grammar, parser="lalr", propagate_positions=True, maybe_placeholders=True)


_WORDS = {
    "NAME": "a name",
    "VAR": "a variable (?name)",
    "STRING": "a string",
    "INT": "a number",
    "FLOAT": "a number",
    "COMPARE": "a comparison (==, !=, <, <=, >, >=)",
    "$END": "end of file",
}


def _expected(names: Iterable[str]) -> str:
    terminals = {t.name: t for t in _parser().terminals}
    names = set(names)
    words: set[str] = set()
    # Where any name is welcome, keywords are names too: "a name" covers them.
    keywords_are_names = "NAME" in names and _name_keywords() <= names
    for name in names:
        term = terminals.get(name)
        if term is not None and isinstance(term.pattern, PatternStr):
            if keywords_are_names and name in _name_keywords():
                continue
            words.add(f"'{term.pattern.value}'")
        else:
            words.add(_WORDS.get(name, name))
    ordered = sorted(words)
    if len(ordered) <= 1:
        return "".join(ordered)
    return ", ".join(ordered[:-1]) + " or " + ordered[-1]


@cache
def _name_keywords() -> frozenset[str]:
    """The keyword terminals the grammar also accepts as names (the ``name`` rule)."""
    return frozenset(
        t.name
        for t in _parser().terminals
        if isinstance(t.pattern, PatternStr) and t.pattern.value.isidentifier()
    )


def _syntax_error(exc: UnexpectedInput, text: str, filename: str) -> SyncSyntaxError:
    if isinstance(exc, UnexpectedCharacters) and exc.char == '"':
        message = 'unterminated string: close it with " on the same line'
        return SyncSyntaxError(message, filename, exc.line, exc.column, text)
    if isinstance(exc, UnexpectedCharacters):
        found = f"character {exc.char!r}"
        expected: Iterable[str] = exc.allowed or ()
    elif isinstance(exc, UnexpectedToken):
        token = exc.token
        found = "end of file" if token.type == "$END" else repr(str(token.value))
        expected = exc.accepts or exc.expected
    elif isinstance(exc, UnexpectedEOF):
        found, expected = "end of file", exc.expected
    else:  # pragma: no cover - lark raises only the three kinds above
        found, expected = "input", ()
    line, column = exc.line, exc.column
    if found == "end of file":  # point just past the last character
        lines = text.rstrip().splitlines() or [""]
        line, column = len(lines), len(lines[-1]) + 1
    words = _expected(expected)
    message = f"unexpected {found}" + (f"; expected {words}" if words else "")
    return SyncSyntaxError(message, filename, line, column, text)


# -- building the model ------------------------------------------------------------------------


def _first_token(node: Tree[Token] | Token) -> Token:
    if isinstance(node, Token):
        return node
    for child in node.children:
        if isinstance(child, Token | Tree):
            try:
                return _first_token(child)
            except LookupError:
                continue
    raise LookupError("no token")


class _Builder:
    def __init__(self, text: str, known: dict[str, type[Concept]], filename: str) -> None:
        self.text = text
        self.known = known
        self.filename = filename
        self.diagnostics: list[Diagnostic] = []
        # per sync
        self.name = ""
        self.vars: dict[str, Var] = {}
        self.resolved = True

    def error(self, message: str, at: Token) -> SyncSyntaxError:
        return SyncSyntaxError(message, self.filename, at.line or 1, at.column or 1, self.text)

    def items(self, tree: Tree[Token]) -> list[Tree[Token]]:
        """The items of a block or record, insisting on a separator between two on one line."""
        found: list[Tree[Token]] = []
        separated = False
        for child in tree.children:
            if isinstance(child, Tree) and child.data == "sep":
                separated = True
                continue
            if not isinstance(child, Tree):
                continue
            if found and not separated and child.meta.line == found[-1].meta.end_line:
                token = _first_token(child)
                raise self.error(
                    f"unexpected {str(token.value)!r}; expected ';', ',' or a new line before it",
                    token,
                )
            found.append(child)
            separated = False
        return found

    # syncs and clauses

    def sync(self, tree: Tree[Token]) -> Sync | None:
        name_token = tree.children[0]
        assert isinstance(name_token, Token)
        self.name, self.vars, self.resolved = str(name_token), {}, True
        blocks = {c.data: c for c in tree.children if isinstance(c, Tree)}
        when = [self.pattern(f"when {i}", t) for i, t in enumerate(self.items(blocks["when"]), 1)]
        where: list[WhereClause | None] = []
        if "where" in blocks:
            items = self.items(blocks["where"])
            where = [self.clause(f"where {i}", t) for i, t in enumerate(items, 1)]
        then = [self.call(f"then {i}", t) for i, t in enumerate(self.items(blocks["then"]), 1)]
        if not self.resolved:
            return None
        return Sync(
            name=self.name,
            when=[p for p in when if p is not None],
            where=[w for w in where if w is not None],
            then=[c for c in then if c is not None],
            origin=f"{self.filename}:{name_token.line}",
        )

    def pattern(self, clause: str, tree: Tree[Token]) -> Pattern | None:
        qname, inputs, outputs = tree.children
        adef = self.resolve(clause, qname, "when")
        ins = self.args(inputs)
        outs = self.args(outputs) if isinstance(outputs, Tree) else {}
        return Pattern(adef, ins, outs) if isinstance(adef, ActionDef) else None

    def call(self, clause: str, tree: Tree[Token]) -> ActionCall | None:
        qname, inputs = tree.children
        adef = self.resolve(clause, qname, "then")
        ins = self.args(inputs)
        return ActionCall(adef, ins) if isinstance(adef, ActionDef) else None

    def query(self, clause: str, tree: Tree[Token]) -> QueryCall | None:
        qname, inputs, outputs = tree.children
        qdef = self.resolve(clause, qname, "where")
        ins = self.args(inputs)
        outs = self.args(outputs) if isinstance(outputs, Tree) else {}
        return QueryCall(qdef, ins, outs) if isinstance(qdef, QueryDef) else None

    def clause(self, clause: str, tree: Tree[Token]) -> WhereClause | None:
        kind = tree.data
        if kind == "query":
            return self.query(clause, tree)
        if kind in ("optional", "collect"):
            inner = tree.children[0]
            assert isinstance(inner, Tree)
            q = self.query(clause, inner)
            if q is None:
                return None
            if kind == "optional":
                return Optional(q)
            into = tree.children[1]
            assert isinstance(into, Token)
            return Collect(q, self.var(into))
        expr_tree = tree.children[0]
        assert isinstance(expr_tree, Tree | Token)
        expr = self.expr(expr_tree)
        if kind == "filter":
            source = self.source(tree, None)
            predicate, uses = expressions.compile_filter(expr, source)
            return Filter(predicate, uses, source)
        var_token = tree.children[1]
        assert isinstance(var_token, Token)
        source = self.source(tree, var_token)
        compute, uses = expressions.compile_bind(expr, source)
        return Bind(self.var(var_token), compute, uses, source)

    def source(self, tree: Tree[Token], until: Token | None) -> str:
        """The expression's text inside ``filter(...)`` / ``bind(... as ?v)``."""
        whole = self.text[tree.meta.start_pos : tree.meta.end_pos]
        start = whole.index("(") + 1
        if until is None:
            return whole[start : whole.rindex(")")].strip()
        end = (until.start_pos or 0) - tree.meta.start_pos
        inner = whole[start:end].rstrip()
        return inner[: -len("as")].strip() if inner.endswith("as") else inner.strip()

    def resolve(self, clause: str, qname: Any, place: str) -> ActionDef[Any] | QueryDef[Any] | None:
        concept_tok, member_tok = (_first_token(c) for c in qname.children)
        concept, member = str(concept_tok), str(member_tok)
        subject = f"{concept}/{member}"
        origin = f"{self.filename}:{concept_tok.line}:{concept_tok.column}"

        def report(message_fix: tuple[str, str]) -> None:
            self.resolved = False
            self.diagnostics.append(
                Diagnostic("error", self.name, clause, *message_fix, subject, origin)
            )

        cls = self.known.get(concept)
        if cls is None:
            report(unknown_concept(concept, self.known))
            return None
        wants_query = place == "where"
        if member in (cls.queries if wants_query else cls.actions):
            return cls.queries[member] if wants_query else cls.actions[member]
        if wants_query and member in cls.actions:
            report(action_used_as_query(subject, cls))
        elif not wants_query and member in cls.queries:
            report(query_used_as_action(subject, place, cls))
        else:
            report(unknown_member(cls, member, "query" if wants_query else "action"))
        return None

    # values

    def var(self, token: Token) -> Var:
        name = str(token)[1:]
        if name not in self.vars:
            self.vars[name] = Var(name)
        return self.vars[name]

    def args(self, tree: Any) -> dict[str, Any]:
        node = tree.children[0]
        return {} if node.data == "empty" else self.record(node)

    def record(self, tree: Tree[Token]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for pair in self.items(tree):
            key_tree, value = pair.children
            assert isinstance(key_tree, Tree)
            token = _first_token(key_tree)
            key = self.string(token) if token.type == "STRING" else str(token)
            if key in out:
                raise self.error(f"field {key!r} appears twice in this record", token)
            out[key] = self.value(value)
        return out

    def value(self, node: Any) -> Any:
        if isinstance(node, Token):
            raise AssertionError(f"unexpected bare token {node!r}")  # pragma: no cover
        kind = node.data
        if kind == "var":
            return self.var(node.children[0])
        if kind == "record":
            return self.record(node)
        if kind == "list":
            return [self.value(c) for c in node.children]
        if kind == "empty":
            return []
        return self.literal(node)

    def literal(self, node: Tree[Token]) -> Any:
        kind = node.data
        if kind in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[kind]
        token = node.children[0]
        assert isinstance(token, Token)
        if kind == "string":
            return self.string(token)
        number = int(token) if kind in ("int", "neg_int") else float(token)
        return -number if kind.startswith("neg_") else number

    def string(self, token: Token) -> str:
        try:
            value = json.loads(str(token))
        except json.JSONDecodeError as exc:
            raise self.error(f"invalid escape in string ({exc.msg})", token) from None
        assert isinstance(value, str)
        return value

    # expressions

    _BINARY = {
        "or_": "or",
        "and_": "and",
        "in_": "in",
        "not_in": "not in",
        "add": "+",
        "sub": "-",
        "mul": "*",
        "div": "/",
    }

    def expr(self, node: Tree[Token] | Token) -> expressions.Expr:
        if isinstance(node, Token):  # pragma: no cover - every atom is wrapped in a rule
            raise AssertionError(f"unexpected bare token {node!r}")
        kind = node.data
        kids = [c for c in node.children if c is not None]
        if kind in self._BINARY:
            left, right = kids
            assert isinstance(left, Tree | Token) and isinstance(right, Tree | Token)
            return expressions.Binary(self._BINARY[str(kind)], self.expr(left), self.expr(right))
        if kind == "compare":
            left, op, right = kids
            assert isinstance(left, Tree | Token) and isinstance(right, Tree | Token)
            return expressions.Binary(str(op), self.expr(left), self.expr(right))
        if kind == "not_":
            assert isinstance(kids[0], Tree | Token)
            return expressions.Not(self.expr(kids[0]))
        if kind == "neg":
            assert isinstance(kids[0], Tree | Token)
            return expressions.Unary("-", self.expr(kids[0]))
        if kind == "field":
            target, name = kids
            assert isinstance(target, Tree | Token) and isinstance(name, Tree)
            return expressions.Field(self.expr(target), str(_first_token(name)))
        if kind == "var":
            token = kids[0]
            assert isinstance(token, Token)
            return expressions.Ref(self.var(token))
        if kind == "list_expr":
            return expressions.ListExpr(tuple(self.expr(c) for c in kids if isinstance(c, Tree)))
        if kind == "fn_call":
            return self.function(kids)
        return expressions.Literal(self.literal(node))

    def function(self, kids: list[Any]) -> expressions.Expr:
        name_token: Token = kids[0]
        name = str(name_token)
        args = tuple(self.expr(c) for c in kids[1:])
        if name not in expressions.FUNCTIONS:
            known = ", ".join(sorted(expressions.FUNCTIONS))
            hint = suggest(name, expressions.FUNCTIONS).strip()
            hint = f" ({hint})" if hint else ""
            raise self.error(
                f"unknown function {name!r}{hint}; known functions: {known}", name_token
            )
        _, least, most = expressions.FUNCTIONS[name]
        if most is not None and least == most and len(args) != least:
            wanted = "no arguments" if least == 0 else f"{least} argument" + "s" * (least > 1)
            raise self.error(f"{name}() takes {wanted}, got {len(args)}", name_token)
        if len(args) < least:
            raise self.error(
                f"{name}() takes at least {least} arguments, got {len(args)}", name_token
            )
        return expressions.Call(name, args)

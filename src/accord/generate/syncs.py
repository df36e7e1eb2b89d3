"""``accord generate sync "SENTENCE" --app APP``: a model writes a sync in the text notation
(docs/syncs.md), accepted only when it parses and passes the static checks against the app.

The checks are the ones ``accord check`` runs (:func:`accord.checks.syncs.check`): every
``Concept/action`` and query exists, every input is declared and its value fits the type, every
variable a ``then`` or ``where`` uses is bound before, no name repeats a sync of the app, and no
new cycle forms. A refused candidate goes back to the model with those failures, word for word,
within the attempt and token budget.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from accord.app import App
from accord.checks.specs import type_text
from accord.checks.syncs import check
from accord.concept import Concept
from accord.generate._conversation import Attempt, Budget, converse, settle
from accord.llm.models import Model, resolve_model
from accord.sync.model import Sync
from accord.sync.text import SyncSyntaxError, parse_with_diagnostics

__all__ = ["GeneratedSync", "describe_app", "generate_sync", "judge_sync", "sync_prompt"]

NOTATION = """\
Write one sync in accord's .sync text notation. The form:

sync SyncName
when {
  Concept/action: [ input: ?var ; other: "literal" ] => [ output: ?out ]
}
where {
  Concept/query: [ input: ?var ] => [ field: ?row_field ]
  filter(?a == "x" or ?n > 2)
  bind(uuid() as ?id)
}
then {
  Concept/action: [ input: ?var ; other: ?out ]
}

Rules:
- `when` lists completions (in one flow) to match: inputs on the left of =>, outputs on the
  right; only the keys named are checked. `=> [ error: [ kind: "timeout" ] ]` matches an error.
- `where` (optional) runs queries, filters and binds in order; `then` invokes actions.
- Every ?variable used in `then`, `filter` or `bind` must be bound earlier (by a `when` pattern,
  a query's outputs or a bind). Use only the actions, queries, inputs and outputs listed below.
- Fields are separated by `;`. Strings are in double quotes; numbers, true, false, null.
- Name the sync in CamelCase, different from the app's existing syncs.
- Answer with the sync only, in one ```sync block."""


@dataclass
class GeneratedSync:
    """The outcome of a sync generation: the accepted text (if any) and every attempt."""

    sentence: str
    app: str
    model: str
    prompt: str
    attempts: list[Attempt] = field(default_factory=list)
    accepted: bool = False
    output: str = ""
    names: list[str] = field(default_factory=list)
    """The accepted syncs' names."""
    tokens: int = 0
    max_tokens: int | None = None
    stopped: str = ""

    @property
    def subject(self) -> str:
        return f"sync for {self.sentence!r}"

    def record(self) -> str:
        """The generation as JSON: model, prompt and every attempt."""
        return json.dumps(asdict(self), indent=2)


def _fields(fields: Iterable[tuple[str, Any, bool]]) -> str:
    shown = [f"{name}{'?' if optional else ''}: {type_text(t)}" for name, t, optional in fields]
    return "[ " + " ; ".join(shown) + " ]" if shown else "[]"


def describe_app(app: App) -> str:
    """The app's actions, queries and syncs, in the notation's terms (what the model may use)."""
    lines = ["Actions (inputs => each output case; `?` marks an optional key):"]
    for concept in app.concepts:
        for action in type(concept).actions.values():
            inputs = _fields((n, t, d) for n, (t, d) in action.inputs.items())
            cases = [
                _fields((k, v, k in c.optional) for k, v in c.fields.items())
                for c in action.cases
                if not c.is_error
            ]
            lines.append(f"  {action.qualname}: {inputs} => {' | '.join(cases) or '[]'}")
    queries = [q for c in app.concepts for q in type(c).queries.values()]
    if queries:
        lines.append("Queries (for `where`; inputs => the fields of each row):")
        for q in queries:
            inputs = _fields((n, t, d) for n, (t, d) in q.inputs.items())
            row = _fields((k, v, False) for k, v in q.row_fields.items())
            lines.append(f"  {q.qualname}: {inputs} => {row}")
    lines.append("Every action may also complete with [ error: [ kind: str ; message: str ] ].")
    names = ", ".join(s.name for s in app.syncs) or "(none)"
    lines.append(f"Existing syncs: {names}")
    return "\n".join(lines)


def sync_prompt(sentence: str, app: App) -> str:
    """The first request of a sync generation."""
    return f"{NOTATION}\n\n{describe_app(app)}\n\nThe sync to write: {sentence.strip()}\n"


def _text(answer: str) -> str:
    found = re.search(r"```[a-z]*\n(.*?)```", answer, re.DOTALL)
    return (found.group(1) if found else answer).strip() + "\n"


def _concepts(app: App) -> list[type[Concept] | Concept]:
    return list(app.concepts)


def judge_sync(text: str, app: App) -> tuple[list[Sync], list[str]]:
    """The syncs ``text`` defines and why they are refused against ``app`` (empty: accepted).

    Warnings of the checks do not refuse a sync (``accord check`` passes them too).
    """
    try:
        syncs, diagnostics = parse_with_diagnostics(text, _concepts(app), filename="candidate")
    except SyncSyntaxError as exc:
        return [], [f"it does not parse: {exc}"]
    failures = [str(d) for d in diagnostics if d.severity == "error"]
    if not syncs and not failures:
        return [], ["it defines no sync; write one `sync Name when {...} then {...}`"]
    before = {str(d) for d in check(_concepts(app), app.syncs)}
    failures += [
        str(d)
        for d in check(_concepts(app), [*app.syncs, *syncs])
        if d.severity == "error" and str(d) not in before
    ]
    return syncs, failures


def _reask(failures: list[str]) -> str:
    listed = "\n".join(f"- {f}" for f in failures)
    return (
        f"That sync was refused:\n{listed}\n"
        "Fix exactly these problems and answer with the whole sync in one ```sync block."
    )


def generate_sync(
    sentence: str,
    app: App,
    model: str | Model,
    *,
    app_name: str = "app",
    attempts: int = 3,
    max_tokens: int | None = None,
    request_timeout: float = 120.0,
) -> GeneratedSync:
    """Ask ``model`` for a sync that does what ``sentence`` says, until one passes the checks.

    Raises ``ValueError`` for an empty sentence or a bad budget and
    :class:`~accord.generate.GenerationFailed` (holding every attempt) when the budget runs out.
    """
    if not sentence.strip():
        raise ValueError("the sentence is empty; say what the sync should do")
    budget = Budget(attempts, max_tokens)
    resolved = resolve_model(model)
    prompt = sync_prompt(sentence, app)
    generated = GeneratedSync(sentence, app_name, resolved.name, prompt, max_tokens=max_tokens)
    outcome = converse(
        resolved,
        prompt,
        budget,
        extract=_text,
        judge=lambda text: judge_sync(text, app)[1],
        reask=_reask,
        schema_name="sync",
        request_timeout=request_timeout,
    )
    settle(generated, outcome)
    generated.names = [s.name for s in judge_sync(outcome.output, app)[0]]
    return generated

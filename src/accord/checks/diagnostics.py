"""Diagnostics shared by the static checks and the ``.sync`` parser (same wording in both)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from accord.concept import Concept

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in a sync: which sync, which clause, what is wrong and how to fix it.

    ``clause`` is e.g. ``"when 2"``, ``"where 1"`` or ``"then 1"``; ``subject`` the action or
    query the clause names; ``origin`` where the sync (or clause) is written, when known.
    """

    severity: Severity
    sync: str
    clause: str
    message: str
    fix: str = ""
    subject: str = ""
    origin: str = ""

    def __str__(self) -> str:
        where = f"sync {self.sync}, {self.clause}"
        if self.subject:
            where += f" ({self.subject})"
        text = f"{self.severity}: {where}: {self.message}"
        if self.fix:
            text += f". Fix: {self.fix}"
        return text


class SyncCheckError(ValueError):
    """Syncs were rejected by the static checks; ``diagnostics`` lists the errors."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


def raise_on_errors(diagnostics: Iterable[Diagnostic]) -> None:
    """Raise :class:`SyncCheckError` listing every error (one per line); warnings pass."""
    errors = [d for d in diagnostics if d.severity == "error"]
    if errors:
        raise SyncCheckError(errors)


def suggest(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the closest known name, or ``""``."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}? " if close else ""


def listing(names: Iterable[str]) -> str:
    return ", ".join(names) or "(none)"


def concept_names(concepts: Iterable[type[Concept] | Concept]) -> dict[str, type[Concept]]:
    """Concept name -> class, for instances and classes alike."""
    return {c.name: (c if isinstance(c, type) else type(c)) for c in concepts}


# -- wording shared by the parser (names in text) and the checks (objects in Python) ----------


def unknown_concept(name: str, known: Iterable[str]) -> tuple[str, str]:
    known = sorted(known)
    return (
        f"unknown concept {name!r}",
        f"{suggest(name, known)}Concepts of this app: {listing(known)}",
    )


def unknown_member(concept: type[Concept], name: str, kind: str) -> tuple[str, str]:
    """An unknown action (kind ``"action"``) or query (``"query"``) of a concept."""
    members = sorted(concept.actions if kind == "action" else concept.queries)
    plural = "Actions" if kind == "action" else "Queries"
    return (
        f"unknown {kind} {name!r} of {concept.name}",
        f"{suggest(name, members)}{plural} of {concept.name}: {listing(members)}",
    )


def query_used_as_action(qualname: str, place: str, concept: type[Any]) -> tuple[str, str]:
    """``place`` is ``"when"`` or ``"then"``."""
    actions = listing(sorted(concept.actions))
    if place == "when":
        message = f"{qualname} is a query; when patterns match completions of actions"
    else:
        message = f"{qualname} is a query; then invokes actions"
    return message, f"name an action of {concept.name} ({actions}); read queries in where"


def action_used_as_query(qualname: str, concept: type[Any]) -> tuple[str, str]:
    queries = listing(sorted(concept.queries))
    return (
        f"{qualname} is an action; where reads state with queries and never acts",
        f"name a query of {concept.name} ({queries}); invoke actions in then",
    )

"""A small HTTP app for ``accord serve --workers`` on PostgreSQL: notes, and a slow route.

``accord serve tests.cli.notes_app:app --db postgresql://... --workers 2``
"""

from __future__ import annotations

from tests.cli.notes import Notes

from accord import App, Clauses, Var, sync
from accord.concepts.requesting import Requesting


@sync
def add(title: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(method="POST", path="/notes", body={"title": title})],
        then=[Notes.add(title=title)],
    )


@sync
def add_slowly(title: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(method="POST", path="/slow", body={"title": title})],
        then=[Notes.add_slowly(title=title)],
    )


@sync
def added(request: Var, note: Var, title: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request().out(request=request),
            Notes.add().out(note=note, title=title),
        ],
        then=[Requesting.respond(request=request, status=201, body={"note": note, "title": title})],
    )


@sync
def added_slowly(request: Var, note: Var, title: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request().out(request=request),
            Notes.add_slowly().out(note=note, title=title),
        ],
        then=[Requesting.respond(request=request, status=201, body={"note": note, "title": title})],
    )


@sync
def listing(request: Var) -> Clauses:
    return Clauses(
        when=[Requesting.request(method="GET", path="/notes").out(request=request)],
        then=[Notes.titles(request=request)],
    )


@sync
def listed(request: Var, titles: Var) -> Clauses:
    return Clauses(
        when=[
            Requesting.request(method="GET", path="/notes").out(request=request),
            Notes.titles().out(titles=titles),
        ],
        then=[Requesting.respond(request=request, status=200, body={"titles": titles})],
    )


app = App(
    concepts=[Requesting(["POST /notes", "POST /slow", "GET /notes"], prefix="/api"), Notes()],
    syncs=[add, add_slowly, added, added_slowly, listing, listed],
)

"""``where``: queries fan frames out per row, ``collect`` aggregates, ``optional`` keeps frames."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, collect, optional, query, sync

from .support import entries, running


class Asked(TypedDict):
    folder: str


class ItemRow(TypedDict):
    item: str
    size: int


class Sent(TypedDict):
    item: str


class Listed(TypedDict):
    count: int


class BioRow(TypedDict):
    bio: str


class Shown(TypedDict):
    user: str


class Folders(Concept):
    schema = (
        "CREATE TABLE IF NOT EXISTS items (folder TEXT, item TEXT, size INTEGER)",
        "CREATE TABLE IF NOT EXISTS bios (user TEXT PRIMARY KEY, bio TEXT)",
    )

    def setup(self) -> None:
        self.db.executemany(
            "INSERT INTO items VALUES (?, ?, ?)",
            [("full", "a", 1), ("full", "b", 2), ("full", "c", 3)],
        )
        self.db.execute("INSERT INTO bios VALUES ('ann', 'likes tea')")

    @action
    def fan(self, folder: str) -> Asked:
        return {"folder": folder}

    @action
    def summarize(self, folder: str) -> Asked:
        return {"folder": folder}

    @action
    def profile(self, user: str) -> Shown:
        return {"user": user}

    @query
    def items(self, folder: str) -> list[ItemRow]:
        return self.db.all(  # type: ignore[return-value]
            "SELECT item, size FROM items WHERE folder = ? ORDER BY item", (folder,)
        )

    @query
    def bio(self, user: str) -> list[BioRow]:
        return self.db.all("SELECT bio FROM bios WHERE user = ?", (user,))  # type: ignore[return-value]


class Out(Concept):
    @action
    def send(self, item: str) -> Sent:
        return {"item": item}

    @action
    def listing(self, items: list[dict[str, Any]]) -> Listed:
        return {"count": len(items)}

    @action
    def show(self, user: str, bio: str | None) -> Shown:
        return {"user": user}


@sync
def fan_out(folder: Var, item: Var) -> Clauses:
    return Clauses(
        when=[Folders.fan(folder=folder)],
        where=[Folders.items(folder=folder).out(item=item)],
        then=[Out.send(item=item)],
    )


@sync
def summary(folder: Var, rows: Var) -> Clauses:
    return Clauses(
        when=[Folders.summarize(folder=folder)],
        where=[collect(Folders.items(folder=folder), rows)],
        then=[Out.listing(items=rows)],
    )


@sync
def show_profile(user: Var, bio: Var) -> Clauses:
    return Clauses(
        when=[Folders.profile(user=user)],
        where=[optional(Folders.bio(user=user).out(bio=bio))],
        then=[Out.show(user=user, bio=bio)],
    )


def app() -> App:
    return App([Folders(), Out()], [fan_out, summary, show_profile])


async def test_a_query_with_three_rows_gives_exactly_three_invocations(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        root = await engine.invoke(Folders.fan, folder="full")
        await engine.idle()
        assert entries(engine.records(root.flow)) == [
            (1, "Folders/fan", {"folder": "full"}, {"folder": "full"}, None, ()),
            (2, "Out/send", {"item": "a"}, {"item": "a"}, "fan_out", (1,)),
            (3, "Out/send", {"item": "b"}, {"item": "b"}, "fan_out", (1,)),
            (4, "Out/send", {"item": "c"}, {"item": "c"}, "fan_out", (1,)),
        ]


async def test_a_query_with_zero_rows_gives_no_invocation(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        root = await engine.invoke(Folders.fan, folder="empty")
        await engine.idle()
        assert entries(engine.records(root.flow)) == [
            (1, "Folders/fan", {"folder": "empty"}, {"folder": "empty"}, None, ()),
        ]
        assert engine.waiting_syncs(root.flow) == []  # it fired (with no frame), not waiting


async def test_collect_gathers_rows_and_still_fires_once_over_zero_rows(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        full = await engine.invoke(Folders.summarize, folder="full")
        await engine.idle()
        empty = await engine.invoke(Folders.summarize, folder="empty")
        await engine.idle()
        rows = [{"item": "a", "size": 1}, {"item": "b", "size": 2}, {"item": "c", "size": 3}]
        assert entries(engine.records(full.flow)) == [
            (1, "Folders/summarize", {"folder": "full"}, {"folder": "full"}, None, ()),
            (2, "Out/listing", {"items": rows}, {"count": 3}, "summary", (1,)),
        ]
        assert entries(engine.records(empty.flow)) == [
            (3, "Folders/summarize", {"folder": "empty"}, {"folder": "empty"}, None, ()),
            (4, "Out/listing", {"items": []}, {"count": 0}, "summary", (3,)),
        ]


async def test_optional_query_keeps_the_frame_with_none(tmp_path: Path) -> None:
    async with running(app(), tmp_path / "app.db", deterministic=True) as engine:
        ann = await engine.invoke(Folders.profile, user="ann")
        await engine.idle()
        bob = await engine.invoke(Folders.profile, user="bob")
        await engine.idle()
        assert entries(engine.records(ann.flow)) == [
            (1, "Folders/profile", {"user": "ann"}, {"user": "ann"}, None, ()),
            (
                2,
                "Out/show",
                {"user": "ann", "bio": "likes tea"},
                {"user": "ann"},
                "show_profile",
                (1,),
            ),
        ]
        assert entries(engine.records(bob.flow)) == [
            (3, "Folders/profile", {"user": "bob"}, {"user": "bob"}, None, ()),
            (4, "Out/show", {"user": "bob", "bio": None}, {"user": "bob"}, "show_profile", (3,)),
        ]

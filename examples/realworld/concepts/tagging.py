"""Tagging: free-form tags on opaque targets."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, action, query


class Tagged(TypedDict):
    target: str


class TargetRow(TypedDict):
    target: str


class TagLists(TypedDict):
    tags: dict[str, list[str]]


class TagName(TypedDict):
    tag: str


class Tagging(Concept):
    """Each target has a set of tags."""

    schema = (
        """CREATE TABLE IF NOT EXISTS tagging_tags (
            target TEXT NOT NULL,
            tag TEXT NOT NULL,
            PRIMARY KEY (target, tag)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS tagging_by_tag ON tagging_tags(tag)",
    )

    @action
    def tag(self, target: str, tags: list[str]) -> Tagged:
        """Add tags to a target (blank tags are ignored, repeats kept once)."""
        return self._tag(target, tags)

    @action
    def retag(self, target: str, tags: list[str]) -> Tagged:
        """Replace a target's tags by ``tags`` (``[]`` removes them all)."""
        self.db.execute("DELETE FROM tagging_tags WHERE target = ?", (target,))
        return self._tag(target, tags)

    def _tag(self, target: str, tags: list[str]) -> Tagged:
        clean = sorted({t.strip() for t in tags if t.strip()})
        self.db.executemany(
            "INSERT INTO tagging_tags (target, tag) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(target, t) for t in clean],
        )
        return {"target": target}

    @action
    def clear(self, target: str) -> Tagged:
        """Remove every tag of a target."""
        self.db.execute("DELETE FROM tagging_tags WHERE target = ?", (target,))
        return {"target": target}

    @query(cached=True)
    def targets(self, tag: str | None) -> list[TargetRow]:
        """The targets carrying ``tag`` (none for None)."""
        if tag is None:
            return []
        return self.db.all("SELECT target FROM tagging_tags WHERE tag = ?", (tag,))  # type: ignore[return-value]

    @query(cached=True)
    def lists(self, targets: list[str]) -> list[TagLists]:
        """One row: each of ``targets`` mapped to its tags, sorted (targets without tags are
        left out). One row rather than one per tag keeps list pages cheap."""
        if not targets:
            return [{"tags": {}}]
        marks = ",".join("?" * len(targets))
        tags: dict[str, list[str]] = {}
        for row in self.db.all(
            f"SELECT target, tag FROM tagging_tags WHERE target IN ({marks}) ORDER BY target, tag",
            targets,
        ):
            tags.setdefault(row["target"], []).append(row["tag"])
        return [{"tags": tags}]

    @query(cached=True)
    def in_use(self) -> list[TagName]:
        """Every tag in use, the most used first."""
        sql = "SELECT tag FROM tagging_tags GROUP BY tag ORDER BY COUNT(*) DESC, tag"
        return self.db.all(sql)  # type: ignore[return-value]

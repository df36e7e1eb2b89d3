"""Favoriting: users marking opaque targets as favorites."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, action, query


class Favorite(TypedDict):
    user: str
    target: str


class Cleared(TypedDict):
    target: str


class TargetRow(TypedDict):
    target: str


class Stats(TypedDict):
    target: str
    count: int
    favorited: bool


class Favoriting(Concept):
    """Which users favorited which targets."""

    schema = (
        """CREATE TABLE IF NOT EXISTS favoriting_favorites (
            user TEXT NOT NULL,
            target TEXT NOT NULL,
            PRIMARY KEY (user, target)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS favoriting_by_target ON favoriting_favorites(target)",
    )

    @action
    def favorite(self, user: str, target: str) -> Favorite:
        """Mark a favorite (twice is the same as once)."""
        self.db.execute(
            "INSERT OR IGNORE INTO favoriting_favorites (user, target) VALUES (?, ?)",
            (user, target),
        )
        return {"user": user, "target": target}

    @action
    def unfavorite(self, user: str, target: str) -> Favorite:
        """Remove a favorite (a no-op if there is none)."""
        self.db.execute(
            "DELETE FROM favoriting_favorites WHERE user = ? AND target = ?", (user, target)
        )
        return {"user": user, "target": target}

    @action
    def clear(self, target: str) -> Cleared:
        """Forget every favorite of a target."""
        self.db.execute("DELETE FROM favoriting_favorites WHERE target = ?", (target,))
        return {"target": target}

    @query
    def targets(self, user: str | None) -> list[TargetRow]:
        """What ``user`` favorited (nothing for None)."""
        if user is None:
            return []
        sql = "SELECT target FROM favoriting_favorites WHERE user = ?"
        return self.db.all(sql, (user,))  # type: ignore[return-value]

    @query
    def stats(self, targets: list[str], user: str | None) -> list[Stats]:
        """For each target: how many favorited it, and whether ``user`` did."""
        if not targets:
            return []
        marks = ",".join("?" * len(targets))
        rows = self.db.all(
            "SELECT target, COUNT(*) AS count, COALESCE(MAX(user = ?), 0) AS favorited "
            f"FROM favoriting_favorites WHERE target IN ({marks}) GROUP BY target",
            [user, *targets],
        )
        counted = {r["target"]: r for r in rows}
        return [
            {
                "target": t,
                "count": counted[t]["count"] if t in counted else 0,
                "favorited": bool(counted[t]["favorited"]) if t in counted else False,
            }
            for t in targets
        ]

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
    counts: dict[str, int]
    mine: list[str]


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
            "INSERT INTO favoriting_favorites (user, target) VALUES (?, ?) ON CONFLICT DO NOTHING",
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

    @query(cached=True)
    def targets(self, user: str | None) -> list[TargetRow]:
        """What ``user`` favorited (nothing for None)."""
        if user is None:
            return []
        sql = "SELECT target FROM favoriting_favorites WHERE user = ?"
        return self.db.all(sql, (user,))  # type: ignore[return-value]

    @query(cached=True)
    def stats(self, targets: list[str], user: str | None) -> list[Stats]:
        """One row: how many favorited each target (absent: none), and which ``user`` did."""
        if not targets:
            return [{"counts": {}, "mine": []}]
        marks = ",".join("?" * len(targets))
        rows = self.db.all(
            "SELECT target, COUNT(*) AS count, MAX(CASE WHEN user = ? THEN 1 ELSE 0 END) AS mine "
            f"FROM favoriting_favorites WHERE target IN ({marks}) GROUP BY target",
            [user, *targets],
        )
        return [
            {
                "counts": {r["target"]: r["count"] for r in rows},
                "mine": [r["target"] for r in rows if r["mine"]],
            }
        ]

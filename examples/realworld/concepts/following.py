"""Following: who follows whom."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, action, query


class Follow(TypedDict):
    follower: str
    followee: str


class Status(TypedDict):
    following: bool


class Followee(TypedDict):
    followee: str


class Following(Concept):
    """A follower-followee relation between opaque ids."""

    schema = (
        """CREATE TABLE IF NOT EXISTS following_follows (
            follower TEXT NOT NULL,
            followee TEXT NOT NULL,
            PRIMARY KEY (follower, followee)
        ) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS following_by_followee ON following_follows(followee)",
    )

    @action
    def follow(self, follower: str, followee: str) -> Follow:
        """Start following (following twice is the same as once)."""
        self.db.execute(
            "INSERT INTO following_follows (follower, followee) VALUES (?, ?) "
            "ON CONFLICT DO NOTHING",
            (follower, followee),
        )
        return {"follower": follower, "followee": followee}

    @action
    def unfollow(self, follower: str, followee: str) -> Follow:
        """Stop following (a no-op if not following)."""
        self.db.execute(
            "DELETE FROM following_follows WHERE follower = ? AND followee = ?",
            (follower, followee),
        )
        return {"follower": follower, "followee": followee}

    @query(cached=True)
    def status(self, follower: str | None, followee: str) -> list[Status]:
        """One row: whether ``follower`` (None: nobody) follows ``followee``."""
        found = follower is not None and self.db.one(
            "SELECT 1 FROM following_follows WHERE follower = ? AND followee = ?",
            (follower, followee),
        )
        return [{"following": bool(found)}]

    @query(cached=True)
    def followees(self, follower: str) -> list[Followee]:
        """Everyone ``follower`` follows."""
        sql = "SELECT followee FROM following_follows WHERE follower = ?"
        return self.db.all(sql, (follower,))  # type: ignore[return-value]

    @query(cached=True)
    def among(self, follower: str | None, followees: list[str]) -> list[Followee]:
        """Those of ``followees`` that ``follower`` follows."""
        if follower is None or not followees:
            return []
        marks = ",".join("?" * len(followees))
        sql = f"SELECT followee FROM following_follows WHERE follower = ? AND followee IN ({marks})"
        return self.db.all(sql, [follower, *followees])  # type: ignore[return-value]

"""Profile: what a user shows others (bio and image)."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, Error, action, query


class ProfileOf(TypedDict):
    user: str


class ProfileRow(TypedDict):
    user: str
    bio: str
    image: str


class Profile(Concept):
    """A bio and an image per user; both empty until set."""

    schema = (
        """CREATE TABLE IF NOT EXISTS profile_profiles (
            user TEXT PRIMARY KEY,
            bio TEXT NOT NULL DEFAULT '',
            image TEXT NOT NULL DEFAULT ''
        )""",
    )

    @action
    def create(self, user: str) -> ProfileOf | Error:
        """Start an empty profile for a user."""
        if self.db.one("SELECT 1 FROM profile_profiles WHERE user = ?", (user,)):
            return {"error": "the profile already exists"}
        self.db.execute("INSERT INTO profile_profiles (user) VALUES (?)", (user,))
        return {"user": user}

    @action
    def update(self, user: str, bio: str | None = None, image: str | None = None) -> ProfileOf:
        """Change the bio and/or image (None leaves a field as it is)."""
        self.db.execute(
            "INSERT INTO profile_profiles (user, bio, image) VALUES (?, COALESCE(?, ''), "
            "COALESCE(?, '')) ON CONFLICT(user) DO UPDATE SET bio = COALESCE(?, bio), "
            "image = COALESCE(?, image)",
            (user, bio, image, bio, image),
        )
        return {"user": user}

    @query(cached=True)
    def get(self, user: str) -> list[ProfileRow]:
        """The user's profile (an empty one if none was created)."""
        row = self.db.one("SELECT user, bio, image FROM profile_profiles WHERE user = ?", (user,))
        return [row if row is not None else {"user": user, "bio": "", "image": ""}]  # type: ignore[list-item]

    @query(cached=True)
    def many(self, users: list[str]) -> list[ProfileRow]:
        """The profiles of these users (users without one are left out)."""
        if not users:
            return []
        marks = ",".join("?" * len(users))
        sql = f"SELECT user, bio, image FROM profile_profiles WHERE user IN ({marks})"
        return self.db.all(sql, users)  # type: ignore[return-value]

"""User: who exists, under which unique username and email."""

from __future__ import annotations

from typing_extensions import TypedDict

from accord import Concept, Error, action, error, query


class UserId(TypedDict):
    user: str


class UserRow(TypedDict):
    user: str
    username: str
    email: str


_COLUMNS = "user, username, email"


class User(Concept):
    """Registered users. Usernames are unique; emails are unique, case-insensitively."""

    schema = (
        """CREATE TABLE IF NOT EXISTS user_users (
            user TEXT PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,
            email TEXT NOT NULL
        )""",
        # Unique case-insensitively, on both stores (databases made before kept the column's
        # NOCASE collation as well, which agrees).
        "CREATE UNIQUE INDEX IF NOT EXISTS user_email_nocase ON user_users(lower(email))",
    )

    def _problem(self, user: str, username: str | None, email: str | None) -> Error | None:
        """A typed error (kind ``invalid`` or ``taken``, ``details.field``), or None."""
        if username is not None:
            if not username.strip():
                return error("invalid", "can't be blank", field="username")
            if self.db.one(
                "SELECT 1 FROM user_users WHERE username = ? AND user != ?", (username, user)
            ):
                return error("taken", "has already been taken", field="username")
        if email is not None:
            if "@" not in email.strip(" @"):
                return error("invalid", "is invalid", field="email")
            if self.db.one(
                "SELECT 1 FROM user_users WHERE lower(email) = lower(?) AND user != ?",
                (email, user),
            ):
                return error("taken", "has already been taken", field="email")
        return None

    @action
    def register(self, user: str, username: str, email: str) -> UserId | Error:
        """Create a user with a unique username and email."""
        problem = self._problem(user, username, email)
        if problem is not None:
            return problem
        self.db.execute(
            "INSERT INTO user_users (user, username, email) VALUES (?, ?, ?)",
            (user, username, email),
        )
        return {"user": user}

    @action
    def update(
        self, user: str, username: str | None = None, email: str | None = None
    ) -> UserId | Error:
        """Change a user's username and/or email (None leaves a field as it is)."""
        if self.db.one("SELECT 1 FROM user_users WHERE user = ?", (user,)) is None:
            return error("missing", "not found", field="user")
        problem = self._problem(user, username, email)
        if problem is not None:
            return problem
        self.db.execute(
            "UPDATE user_users SET username = COALESCE(?, username), email = COALESCE(?, email) "
            "WHERE user = ?",
            (username, email, user),
        )
        return {"user": user}

    @query(cached=True)
    def get(self, user: str) -> list[UserRow]:
        """The user with this id (zero or one row)."""
        return self.db.all(f"SELECT {_COLUMNS} FROM user_users WHERE user = ?", (user,))  # type: ignore[return-value]

    @query(cached=True)
    def by_username(self, username: str | None) -> list[UserRow]:
        """The user with this username (no row for None or an unknown name)."""
        if username is None:
            return []
        return self.db.all(f"SELECT {_COLUMNS} FROM user_users WHERE username = ?", (username,))  # type: ignore[return-value]

    @query(cached=True)
    def by_email(self, email: str) -> list[UserRow]:
        """The user with this email, compared case-insensitively."""
        return self.db.all(
            f"SELECT {_COLUMNS} FROM user_users WHERE lower(email) = lower(?)", (email,)
        )  # type: ignore[return-value]

    @query(cached=True)
    def many(self, users: list[str]) -> list[UserRow]:
        """The users with these ids."""
        if not users:
            return []
        marks = ",".join("?" * len(users))
        return self.db.all(f"SELECT {_COLUMNS} FROM user_users WHERE user IN ({marks})", users)  # type: ignore[return-value]

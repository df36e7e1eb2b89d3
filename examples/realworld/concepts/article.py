"""Article: titled texts with a unique slug, an author and timestamps."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from typing_extensions import TypedDict

from accord import Concept, Error, action, query


def _now() -> str:
    """ISO 8601 UTC with milliseconds, as RealWorld clients expect."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def slugify(title: str) -> str:
    """``"How to train your dragon"`` -> ``"how-to-train-your-dragon"``."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "article"


class Written(TypedDict):
    article: str
    slug: str


class Deleted(TypedDict):
    article: str


class ArticleRow(TypedDict):
    article: str
    slug: str
    author: str
    title: str
    description: str
    body: str
    created_at: str
    updated_at: str


class Page(TypedDict):
    articles: list[ArticleRow]
    count: int


_COLUMNS = "article, slug, author, title, description, body, created_at, updated_at"


class Article(Concept):
    """Articles by opaque author ids, addressed by unique slugs."""

    schema = (
        """CREATE TABLE IF NOT EXISTS article_articles (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            article TEXT NOT NULL UNIQUE,
            slug TEXT NOT NULL UNIQUE,
            author TEXT NOT NULL,
            title TEXT NOT NULL,
            description TEXT NOT NULL,
            body TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        )""",
        "CREATE INDEX IF NOT EXISTS article_by_author ON article_articles(author, seq)",
    )

    def _slug(self, article: str, title: str) -> str:
        slug = slugify(title)
        taken = self.db.one(
            "SELECT 1 FROM article_articles WHERE slug = ? AND article != ?", (slug, article)
        )
        return f"{slug}-{article[:8]}" if taken else slug

    @staticmethod
    def _blank(**fields: str | None) -> str | None:
        for name, value in fields.items():
            if value is not None and not value.strip():
                return f"{name} can't be blank"
        return None

    @action
    def create(
        self, article: str, author: str, title: str, description: str, body: str
    ) -> Written | Error:
        """Write a new article; its slug comes from the title."""
        problem = self._blank(title=title, description=description, body=body)
        if problem is not None:
            return {"error": problem}
        slug = self._slug(article, title)
        now = _now()
        self.db.execute(
            f"INSERT INTO article_articles ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (article, slug, author, title, description, body, now, now),
        )
        return {"article": article, "slug": slug}

    @action
    def update(
        self,
        article: str,
        title: str | None = None,
        description: str | None = None,
        body: str | None = None,
    ) -> Written | Error:
        """Change some fields (None leaves one as it is); a new title gives a new slug."""
        row = self.db.one("SELECT slug FROM article_articles WHERE article = ?", (article,))
        if row is None:
            return {"error": "article not found"}
        problem = self._blank(title=title, description=description, body=body)
        if problem is not None:
            return {"error": problem}
        slug = self._slug(article, title) if title is not None else row["slug"]
        self.db.execute(
            "UPDATE article_articles SET slug = ?, title = COALESCE(?, title), "
            "description = COALESCE(?, description), body = COALESCE(?, body), updated_at = ? "
            "WHERE article = ?",
            (slug, title, description, body, _now(), article),
        )
        return {"article": article, "slug": slug}

    @action
    def delete(self, article: str) -> Deleted | Error:
        """Remove an article."""
        if not self.db.execute("DELETE FROM article_articles WHERE article = ?", (article,)):
            return {"error": "article not found"}
        return {"article": article}

    @query(cached=True)
    def by_slug(self, slug: str) -> list[ArticleRow]:
        """The article with this slug (zero or one row)."""
        sql = f"SELECT {_COLUMNS} FROM article_articles WHERE slug = ?"
        return self.db.all(sql, (slug,))  # type: ignore[return-value]

    @query(cached=True)
    def get(self, article: str) -> list[ArticleRow]:
        """The article with this id (zero or one row)."""
        sql = f"SELECT {_COLUMNS} FROM article_articles WHERE article = ?"
        return self.db.all(sql, (article,))  # type: ignore[return-value]

    @query(cached=True)
    def page(
        self,
        authors: list[str] | None = None,
        ids: list[str] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> list[Page]:
        """One row: the newest articles (by any of ``authors``, among ``ids``; None means no
        restriction), ``limit`` of them from ``offset``, and how many match in all."""
        if (authors is not None and not authors) or (ids is not None and not ids):
            return [{"articles": [], "count": 0}]  # `IN ()` is SQLite's alone
        conditions: list[str] = []
        params: list[str | int] = []
        for column, values in (("author", authors), ("article", ids)):
            if values is not None:
                conditions.append(f"{column} IN ({','.join('?' * len(values))})")
                params.extend(values)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        count = self.db.one(f"SELECT COUNT(*) AS n FROM article_articles {where}", params)
        rows = self.db.all(
            f"SELECT {_COLUMNS} FROM article_articles {where} ORDER BY seq DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [{"articles": rows, "count": count["n"] if count else 0}]  # type: ignore[typeddict-item]

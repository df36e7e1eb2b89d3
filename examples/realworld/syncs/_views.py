"""``where`` clauses that gather what a response shows from several concepts.

Each helper returns clauses that bind one variable to a JSON-ready view (a user, a profile,
articles, comments), reading User, Profile, Following, Tagging and Favoriting with queries.
"""

from __future__ import annotations

from typing import Any

from accord import Var, bind, collect
from accord.sync.model import WhereClause
from examples.realworld.concepts import Favoriting, Following, Profile, Tagging, User

__all__ = ["article_views", "comment_views", "profile_view", "user_view"]

Rows = list[dict[str, Any]]


def user_view(user: Var, token: Var, into: Var) -> list[WhereClause]:
    """``{"user": {email, token, username, bio, image}}`` for the signed-in user."""
    username, email, bio, image = Var("_username"), Var("_email"), Var("_bio"), Var("_image")

    def user_json(username: str, email: str, bio: str, image: str, token: str) -> Any:
        return {
            "user": {
                "email": email,
                "token": token,
                "username": username,
                "bio": bio or None,
                "image": image or None,
            }
        }

    return [
        User.get(user=user).out(username=username, email=email),
        Profile.get(user=user).out(bio=bio, image=image),
        bind(into, user_json, username, email, bio, image, token),
    ]


def profile_view(user: Var, viewer: Var, into: Var) -> list[WhereClause]:
    """``{"profile": {username, bio, image, following}}`` as ``viewer`` (None: a guest) sees it."""
    username, bio, image, following = Var("_username"), Var("_bio"), Var("_image"), Var("_f")

    def profile_json(username: str, bio: str, image: str, following: bool) -> Any:
        return {
            "profile": {
                "username": username,
                "bio": bio or None,
                "image": image or None,
                "following": following,
            }
        }

    return [
        User.get(user=user).out(username=username),
        Profile.get(user=user).out(bio=bio, image=image),
        Following.status(follower=viewer, followee=user).out(following=following),
        bind(into, profile_json, username, bio, image, following),
    ]


def _authors_of(rows: Rows) -> list[str]:
    return sorted({r["author"] for r in rows})


def _profiles(users: Rows, profiles: Rows, follows: Rows) -> dict[str, dict[str, Any]]:
    bios = {p["user"]: p for p in profiles}
    followed = {f["followee"] for f in follows}
    return {
        u["user"]: {
            "username": u["username"],
            "bio": bios.get(u["user"], {}).get("bio") or None,
            "image": bios.get(u["user"], {}).get("image") or None,
            "following": u["user"] in followed,
        }
        for u in users
    }


def _author_clauses(rows: Var, viewer: Var, authors: Var) -> list[WhereClause]:
    ids, users, profiles, follows = Var("_author_ids"), Var("_users"), Var("_profiles"), Var("_fol")

    def author_profiles(users: Rows, profiles: Rows, follows: Rows) -> dict[str, Any]:
        return _profiles(users, profiles, follows)

    return [
        bind(ids, _authors_of, rows),
        collect(User.many(users=ids), into=users),
        collect(Profile.many(users=ids), into=profiles),
        collect(Following.among(follower=viewer, followees=ids), into=follows),
        bind(authors, author_profiles, users, profiles, follows),
    ]


def article_views(
    articles: Var, viewer: Var, into: Var, *, with_body: bool = True
) -> list[WhereClause]:
    """Bind ``into`` to the JSON of each Article row in ``articles``, as ``viewer`` sees it."""
    ids, tags, counts, mine, authors = (
        Var("_ids"),
        Var("_tags"),
        Var("_counts"),
        Var("_mine"),
        Var("_authors"),
    )

    def article_ids(rows: Rows) -> list[str]:
        return [r["article"] for r in rows]

    def article_json(
        rows: Rows,
        tags: dict[str, list[str]],
        counts: dict[str, int],
        mine: list[str],
        authors: dict[str, Any],
    ) -> Any:
        favorited = set(mine)
        views = []
        for r in rows:
            view = {
                "slug": r["slug"],
                "title": r["title"],
                "description": r["description"],
                "tagList": tags.get(r["article"], []),
                "createdAt": r["created_at"],
                "updatedAt": r["updated_at"],
                "favorited": r["article"] in favorited,
                "favoritesCount": counts.get(r["article"], 0),
                "author": authors[r["author"]],
            }
            if with_body:
                view["body"] = r["body"]
            views.append(view)
        return views

    return [
        bind(ids, article_ids, articles),
        Tagging.lists(targets=ids).out(tags=tags),
        Favoriting.stats(targets=ids, user=viewer).out(counts=counts, mine=mine),
        *_author_clauses(articles, viewer, authors),
        bind(into, article_json, articles, tags, counts, mine, authors),
    ]


def comment_views(comments: Var, viewer: Var, into: Var) -> list[WhereClause]:
    """Bind ``into`` to the JSON of each Commenting row in ``comments``."""
    authors = Var("_authors")

    def comment_json(rows: Rows, authors: dict[str, Any]) -> Any:
        return [
            {
                "id": r["comment"],
                "createdAt": r["created_at"],
                "updatedAt": r["updated_at"],
                "body": r["body"],
                "author": authors[r["author"]],
            }
            for r in rows
        ]

    return [
        *_author_clauses(comments, viewer, authors),
        bind(into, comment_json, comments, authors),
    ]

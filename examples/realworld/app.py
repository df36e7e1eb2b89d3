"""The Conduit app: Requesting, nine domain concepts, and the syncs between them.

accord serve examples.realworld.app:app --port 3000 --db realworld.db
"""

from __future__ import annotations

from examples.realworld.concepts import (
    JWT,
    Article,
    Commenting,
    Favoriting,
    Following,
    Password,
    Profile,
    Tagging,
    User,
)
from examples.realworld.rules import ROUTES
from examples.realworld.syncs import syncs

from accord import App
from accord.concepts.requesting import Requesting


def build() -> App:
    """A fresh Conduit app (concept instances hold per-app configuration, such as routes)."""
    return App(
        concepts=[
            Requesting(ROUTES, prefix="/api"),
            User(),
            Password(),
            Profile(),
            Following(),
            Article(),
            Tagging(),
            Favoriting(),
            Commenting(),
            JWT(),
        ],
        syncs=list(syncs),
    )


app = build()

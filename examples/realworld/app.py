"""The Conduit app: Requesting, nine domain concepts, and the syncs between them.

accord serve examples.realworld.app:app --port 3000 --db realworld.db
accord serve examples.realworld.app:screened ...   # with LLM screening of new comments
"""

from __future__ import annotations

from collections.abc import Sequence

from accord import App, Concept
from accord.concepts.extracting import Extracting
from accord.concepts.requesting import Requesting
from accord.concepts.reviewing import Reviewing
from accord.llm import Model
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
from examples.realworld.moderation import CommentVerdict, screening_task
from examples.realworld.rules import AUTHENTICATION, ROUTES
from examples.realworld.syncs import all_syncs


def build(*, screen_comments: bool = False, models: Sequence[str | Model] | None = None) -> App:
    """A fresh Conduit app (concept instances hold per-app configuration, such as routes).

    ``screen_comments`` adds LLM screening of new comments over the model chain ``models``
    (default: ``ACCORD_MODEL`` or the embedded model), with human review of refusals.
    """
    screening: list[Concept] = []
    if screen_comments:
        screening = [
            Extracting([screening_task(models)]),
            Reviewing({"CommentVerdict": CommentVerdict}),
        ]
    return App(
        concepts=[
            Requesting(ROUTES, prefix="/api", authentication=AUTHENTICATION),
            User(),
            Password(),
            Profile(),
            Following(),
            Article(),
            Tagging(),
            Favoriting(),
            Commenting(),
            JWT(),
            *screening,
        ],
        syncs=all_syncs(screen_comments=screen_comments),
    )


app = build()
"""The app as the RealWorld spec describes it."""

screened = build(screen_comments=True)
"""The app with LLM screening and human review of new comments."""

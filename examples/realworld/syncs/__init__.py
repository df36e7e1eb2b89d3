"""Conduit's synchronizations, one module per area."""

from accord import Sync
from examples.realworld.syncs import articles, comments, http, profiles, screening, tags, users


def all_syncs(*, screen_comments: bool = False) -> list[Sync]:
    """Every sync of the app; with ``screen_comments``, new comments go through an LLM
    screening (and, when flagged or when screening fails, a human review) before they appear."""
    publishing = screening.syncs if screen_comments else [comments.create_comment]
    return [
        *http.syncs,
        *users.syncs,
        *profiles.syncs,
        *articles.syncs,
        *comments.syncs,
        *publishing,
        *tags.syncs,
    ]


syncs = all_syncs()

__all__ = ["all_syncs", "syncs"]

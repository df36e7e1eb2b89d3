"""Conduit's synchronizations, one module per area; ``syncs`` lists them all."""

from examples.realworld.syncs import articles, comments, http, profiles, tags, users

syncs = [*http.syncs, *users.syncs, *profiles.syncs, *articles.syncs, *comments.syncs,
         *tags.syncs]  # fmt: skip

__all__ = ["syncs"]

"""Comment screening: an LLM verdict before a comment appears, a person when it is unsure.

POST /articles/{slug}/comments asks Extracting for a `CommentVerdict`. Allowed: the comment is
published and answered as usual. Refused, or the screening failed (timeout, invalid output,
...): the comment goes to Reviewing with the verdict as the proposal and the request gets a
422 saying it is held. A reviewer who edits the verdict to ``allowed: true`` publishes it, in
the same flow, however much later.
"""

from __future__ import annotations

from typing import Any

from accord import Sync, Var, bind
from accord.concepts.extracting import Extracting
from accord.concepts.reviewing import Reviewing
from examples.realworld.concepts import Article, Commenting
from examples.realworld.moderation import TASK
from examples.realworld.rules import errors, message_of
from examples.realworld.syncs.comments import create

__all__ = ["syncs"]

article, text, reason, failure, reply, item = (
    Var("article"), Var("text"), Var("reason"), Var("failure"), Var("reply"), Var("item")
)  # fmt: skip
author = Var("author")


def _held(reason: str) -> Any:
    return errors(f"your comment is held for review: {reason}")


def _failed(failure: Any) -> str:
    return f"screening failed ({message_of(failure)})"


def _verdict(reason: str) -> Any:
    return {"allowed": False, "reason": reason}


_comment = [
    Article.by_slug(slug=create.params["slug"]).out(article=article),
    create.field(text, "body"),
]
_screened = Extracting.extract(task=TASK)


def _hold(name: str, when: Any, where: list[Any]) -> Sync:
    proposed = Var("proposed")
    return create.sync(
        name,
        when=[when],
        where=[*_comment, *where, bind(proposed, _verdict, reason), bind(reply, _held, reason)],
        then=[
            Reviewing.request(
                subject="comment",
                payload={"article": article, "author": create.user, "body": text},
                reason=reason,
                proposed=proposed,
                schema="CommentVerdict",
            ),
            create.respond(422, reply),
        ],
    )


syncs = [
    create.sync(
        "ScreenComment",
        where=_comment,
        then=[Extracting.extract(task=TASK, input={"comment": text}, ref=article)],
    ),
    create.sync(
        "PublishScreenedComment",
        when=[_screened.out(output={"allowed": True})],
        where=_comment,
        then=[Commenting.create(target=article, author=create.user, body=text)],
    ),
    _hold("HoldFlaggedComment", _screened.out(output={"allowed": False, "reason": reason}), []),
    _hold("HoldUnscreenedComment", _screened.err(failure), [bind(reason, _failed, failure)]),
    # No request guard here: the review may end long after the caller's token expired.
    Sync(
        "PublishReviewedComment",
        when=[
            Reviewing.request(
                subject="comment", payload={"article": article, "author": author, "body": text}
            ).out(item=item),
            Reviewing.resolve(item=item).out(value={"allowed": True}),
        ],
        then=[Commenting.create(target=article, author=author, body=text)],
    ),
]

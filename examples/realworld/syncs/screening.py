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
from examples.realworld.syncs._answers import caller, on, respond
from examples.realworld.syncs.comments import create

__all__ = ["syncs"]

article, text, reason, failure, reply, item, slug = (
    Var("article"),
    Var("text"),
    Var("reason"),
    Var("failure"),
    Var("reply"),
    Var("item"),
    Var("slug"),
)
author = Var("author")


def _held(reason: str) -> Any:
    return errors("comment", f"is held for review: {reason}")


def _failed(failure: Any) -> str:
    return f"screening failed ({message_of(failure)})"


def _verdict(reason: str) -> Any:
    return {"allowed": False, "reason": reason}


_request = on(create, params={"slug": slug}, body={"body": text}, caller=caller)
_article = Article.by_slug(slug=slug).out(article=article)
_screened = Extracting.extract(task=TASK)


def _hold(name: str, when: Any, where: list[Any]) -> Sync:
    proposed = Var("proposed")
    return Sync(
        name,
        when=[_request, when],
        where=[_article, *where, bind(proposed, _verdict, reason), bind(reply, _held, reason)],
        then=[
            Reviewing.request(
                subject="comment",
                payload={"article": article, "author": caller, "body": text},
                reason=reason,
                proposed=proposed,
                schema="CommentVerdict",
            ),
            respond(422, reply),
        ],
    )


syncs = [
    Sync(
        "ScreenComment",
        when=[_request],
        where=[_article],
        then=[Extracting.extract(task=TASK, input={"comment": text}, ref=article)],
    ),
    Sync(
        "PublishScreenedComment",
        when=[_request, _screened.out(output={"allowed": True})],
        where=[_article],
        then=[Commenting.create(target=article, author=caller, body=text)],
    ),
    _hold("HoldFlaggedComment", _screened.out(output={"allowed": False, "reason": reason}), []),
    _hold("HoldUnscreenedComment", _screened.err(failure), [bind(reason, _failed, failure)]),
    # No request here: the review may end long after the caller's token expired.
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

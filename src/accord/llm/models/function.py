"""Function test model: a Python function computes each answer from the request."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import ClassVar

from accord.llm.messages import Request, Response
from accord.llm.models.base import Model
from accord.llm.profiles import TEST, Profile
from accord.llm.resilience import CircuitBreaker

__all__ = ["AnswerFunction", "FunctionModel"]

AnswerFunction = Callable[[Request], "str | Response | Awaitable[str | Response]"]


class FunctionModel(Model):
    """Answers with ``function(request)`` (sync or async), returning text or a `Response`.

    The function may raise `accord.llm.ModelError` to simulate a typed failure.
    """

    real: ClassVar[bool] = False

    def __init__(
        self,
        function: AnswerFunction,
        *,
        name: str = "test:function",
        profile: Profile = TEST,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        super().__init__(name, profile, breaker=breaker)
        self.function = function
        self.requests: list[Request] = []

    async def _request(self, request: Request, *, timeout: float) -> Response:
        self.requests.append(request)
        answer = self.function(request)
        if inspect.isawaitable(answer):
            answer = await answer
        if isinstance(answer, Response):
            return answer
        return Response(answer, model_name=self.name, finish_reason="stop")

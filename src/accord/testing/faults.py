"""Faults to put in a model's script, one per call: ``scripted(task, [faults.timeout(), answer])``.

These are the scripted model's own steps (`accord.llm.models.test`), named for tests::

    from accord.testing import faults

    faults.timeout()                      # the request times out
    faults.rate_limited(retry_after=1)    # a 429 with Retry-After: 1
    faults.server_error(503)              # a 5xx
    faults.malformed('{"name": "Ada", ')  # text that is not valid JSON
    faults.schema_invalid({"age": -1})    # valid JSON that breaks the output schema
    faults.refusal()                      # the model declines
    faults.slow(2.0, {"name": "Ada"})     # the answer, after a real wait

Each returns a `Fault`, usable wherever a script step is (``ScriptedModel([...])`` too).
"""

from __future__ import annotations

from typing import Any

from accord.llm.models import test as _scripted
from accord.llm.models.test import Fault, Step

__all__ = [
    "Fault",
    "Step",
    "malformed",
    "rate_limited",
    "refusal",
    "schema_invalid",
    "server_error",
    "slow",
    "timeout",
]


def timeout() -> Fault:
    """The request times out at once (the attempt ends with ``timeout``; retried)."""
    return _scripted.timeout()


def rate_limited(retry_after: float | None = None) -> Fault:
    """A 429, with the server's ``Retry-After`` in seconds if given (retried after it)."""
    return _scripted.rate_limited(retry_after)


def server_error(status: int = 503) -> Fault:
    """A 5xx answer (the attempt ends with ``unavailable``; retried)."""
    if not 500 <= status <= 599:
        raise ValueError(
            f"server_error({status}): use a 5xx status; a 429 is faults.rate_limited(), "
            "a timeout is faults.timeout()"
        )
    return _scripted.unavailable(status)


def refusal(message: str = "I can't help with that.") -> Fault:
    """The model declines to answer (``refused``; the chain moves to the next model)."""
    return _scripted.refused(message)


def malformed(text: str = '{"name": "Ada", "age": ') -> Fault:
    """An answer that is not valid JSON (cut off by default); answered as-is."""
    return _scripted.malformed(text)


def schema_invalid(value: dict[str, Any]) -> Fault:
    """Valid JSON that does not satisfy the output schema (the pipeline re-asks)."""
    return _scripted.schema_invalid(value)


def slow(seconds: float, answer: Step = "{}") -> Fault:
    """Answer ``answer`` after really waiting ``seconds``: longer than the policy's timeout
    makes a real timeout, shorter a late but good answer."""
    if seconds < 0:
        raise ValueError(f"slow({seconds}): the wait must be >= 0 seconds")
    return _scripted.slow(seconds, answer)

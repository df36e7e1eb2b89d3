"""What the engine raises to its callers."""

from __future__ import annotations

__all__ = ["EngineError", "EngineFailed", "FlowFailed", "InputRefused"]


class EngineError(RuntimeError):
    """The engine cannot do what was asked (not started, unknown action, bad root input)."""


class InputRefused(EngineError, ValueError):
    """A root action's input that the log cannot store; nothing was recorded."""


class EngineFailed(EngineError):
    """The engine stopped on a failure of its own (the store could not commit, say).

    Every caller waiting on it gets this at once; ``Engine.failure`` holds the cause.
    """


class FlowFailed(EngineError):
    """A sync of the flow raised in its ``where`` clause: the flow cannot go on as written."""

    def __init__(self, flow: int, sync: str, reason: str) -> None:
        super().__init__(f"flow {flow} failed: sync {sync} raised {reason}")
        self.flow = flow
        self.sync = sync
        self.reason = reason

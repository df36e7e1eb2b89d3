"""The durable sync engine."""

from accord.engine.engine import Engine, EngineError, EngineFailed, FlowFailed, InputRefused
from accord.records import Record

__all__ = ["Engine", "EngineError", "EngineFailed", "FlowFailed", "InputRefused", "Record"]

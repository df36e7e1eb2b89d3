"""The durable sync engine."""

from accord.engine.engine import Engine
from accord.engine.errors import EngineError, EngineFailed, FlowFailed, InputRefused
from accord.records import Record

__all__ = ["Engine", "EngineError", "EngineFailed", "FlowFailed", "InputRefused", "Record"]

"""The durable sync engine."""

from accord.engine.engine import Engine, EngineError
from accord.records import Record

__all__ = ["Engine", "EngineError", "Record"]

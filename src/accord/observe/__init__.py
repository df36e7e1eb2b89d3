"""Observability: OpenTelemetry spans and metrics (GenAI semantic conventions)."""

from accord.observe.telemetry import (
    LLMAttempt,
    configure,
    disable,
    enabled,
    llm_attempt,
    record_llm_attempt,
)

__all__ = [
    "LLMAttempt",
    "configure",
    "disable",
    "enabled",
    "llm_attempt",
    "record_llm_attempt",
]

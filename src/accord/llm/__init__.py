"""LLM models, providers and the structured output pipeline."""

from accord.llm.parsing import OutputError, Parsed, Repair, parse

__all__ = ["OutputError", "Parsed", "Repair", "parse"]

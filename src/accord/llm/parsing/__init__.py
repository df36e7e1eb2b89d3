"""Lenient, auditable parsing of LLM replies into validated Pydantic values.

``parse(text, Model)`` returns a `Parsed` value with the `Repair` list it needed, or
raises `OutputError` carrying the validation errors for a re-ask.
"""

from accord.llm.parsing._flags import COSTS as REPAIR_COSTS
from accord.llm.parsing._normalize import is_placeholder
from accord.llm.parsing._parse import parse
from accord.llm.parsing._result import OutputError, Parsed, Repair

__all__ = ["REPAIR_COSTS", "OutputError", "Parsed", "Repair", "is_placeholder", "parse"]

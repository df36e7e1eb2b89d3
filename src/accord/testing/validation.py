"""Validation tests: every recorded raw model output, checked against the task's schema.

::

    def test_recorded_answers_still_fit_the_schema():
        check_recorded_outputs(extract_person, "tests/recorded/person").assert_ok()

The folder holds raw replies as the model wrote them: a ``.txt`` or ``.json`` file is one
reply (its whole text); a ``.jsonl`` file holds one reply per line, either as a JSON string,
as an object with a ``raw`` key (an exported attempt record), or as the reply itself. Each
reply goes through `accord.llm.parse`, with the same repairs the pipeline makes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from accord.llm import Task
from accord.llm.parsing import OutputError, Repair, parse

__all__ = ["OutputCheck", "ValidationReport", "check_recorded_outputs"]

SUFFIXES = (".txt", ".json", ".jsonl")


@dataclass(frozen=True)
class OutputCheck:
    """The verdict on one recorded reply; ``source`` is ``file`` or ``file:line``."""

    source: str
    raw: str
    errors: tuple[dict[str, Any], ...] = ()
    repairs: tuple[Repair, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def describe(self) -> str:
        """The file, then one line per failing field (``- loc: message``)."""
        lines = [f"{self.source}:"]
        lines += [
            f"  - {_location(error)}: {error.get('msg', error.get('type', 'invalid'))}"
            for error in self.errors
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class ValidationReport:
    """Every reply checked: ``failures`` did not validate, ``repaired`` needed repairs."""

    output: str
    folder: Path
    checks: tuple[OutputCheck, ...] = field(default_factory=tuple)

    @property
    def failures(self) -> list[OutputCheck]:
        return [c for c in self.checks if not c.ok]

    @property
    def repaired(self) -> list[OutputCheck]:
        return [c for c in self.checks if c.ok and c.repairs]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        head = (
            f"{len(self.checks)} recorded outputs in {self.folder} checked against "
            f"{self.output}: {len(self.checks) - len(self.failures)} valid "
            f"({len(self.repaired)} after repairs), {len(self.failures)} invalid"
        )
        return "\n".join([head, *(c.describe() for c in self.failures)])

    def assert_ok(self) -> None:
        """Raise ``AssertionError`` listing every invalid reply and its field errors."""
        if not self.ok:
            raise AssertionError(self.summary())

    def __str__(self) -> str:
        return self.summary()


def check_recorded_outputs(
    output: type[Any] | TypeAdapter[Any] | Task[Any],
    folder: str | Path,
    *,
    max_cost: int | None = None,
) -> ValidationReport:
    """Parse and validate every recorded reply under ``folder`` (recursively) as ``output``.

    ``output`` is a task (its output type and ``max_repair_cost`` are used), a type, or a
    ``TypeAdapter``. Raises ``FileNotFoundError`` when the folder is missing and
    ``ValueError`` when it holds no ``.txt``, ``.json`` or ``.jsonl`` file, so that a
    mistyped path cannot pass as "nothing failed".
    """
    if isinstance(output, Task):
        adapter: TypeAdapter[Any] = output.adapter
        name = f"task {output.name}"
        max_cost = output.max_repair_cost if max_cost is None else max_cost
    else:
        adapter = output if isinstance(output, TypeAdapter) else TypeAdapter(output)
        name = getattr(output, "__name__", None) or repr(output)
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"check_recorded_outputs: no folder {root}")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in SUFFIXES)
    if not files:
        raise ValueError(
            f"check_recorded_outputs: {root} holds no recorded outputs "
            f"({', '.join(SUFFIXES)} files); save raw replies there first"
        )
    checks = []
    for source, raw in _replies(files, root):
        try:
            parsed = parse(raw, adapter, max_cost=max_cost)
        except OutputError as exc:
            checks.append(OutputCheck(source, raw, tuple(exc.errors), exc.repairs))
        else:
            checks.append(OutputCheck(source, raw, (), parsed.repairs))
    return ValidationReport(name, root, tuple(checks))


def _location(error: dict[str, Any]) -> str:
    loc = ".".join(str(part) for part in error.get("loc", ()))
    return loc or "(the reply as a whole)"


def _replies(files: list[Path], root: Path) -> Iterator[tuple[str, str]]:
    for file in files:
        name = file.relative_to(root).as_posix()
        text = file.read_text(encoding="utf-8")
        if file.suffix != ".jsonl":
            yield name, text
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield f"{name}:{number}", _line_reply(line)


def _line_reply(line: str) -> str:
    try:
        value = json.loads(line)
    except ValueError:
        return line  # a reply that is not JSON at all: checked (and reported) as it is
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and isinstance(value.get("raw"), str):
        return str(value["raw"])
    return line

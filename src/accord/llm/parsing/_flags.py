"""Repair kinds, their costs, and the log that collects them while parsing."""

from __future__ import annotations

from accord.llm.parsing._result import Repair

# Costs follow one idea: cosmetic wrapping is cheap, guessing the model's syntax
# is dearer, and anything that reshapes the value (unwrapping, choosing among
# several answers, closing a cut-off object) is dearest.
COSTS: dict[str, int] = {
    "strip_reasoning": 1,
    "strip_fences": 1,
    "extract_from_prose": 2,
    "trailing_comma": 1,
    "comments": 1,
    "control_chars_in_string": 1,
    "python_escapes": 1,
    "single_quotes": 2,
    "python_literal": 2,
    "unquoted_key": 2,
    "missing_comma": 3,
    "unwrap_wrapper": 3,
    "json_in_string": 3,
    "multiple_candidates": 4,
    "close_truncated": 5,
    "typographic_quotes": 2,
    "inner_quotes": 3,
    "key_value_lines": 3,
    "coerce_type": 1,
    "key_case": 2,
    "enum_case": 2,
    "number_format": 2,
    "decimal_comma": 3,
    "unit": 3,
    "percent": 3,
    "date_format": 2,
    "wrap_in_list": 3,
    "null_to_defaults": 3,
}


class RepairLog:
    """Counts repairs by kind while parsing; one `Repair` per kind at the end."""

    __slots__ = ("_counts", "_first", "_notes")

    def __init__(self) -> None:
        self._counts: dict[str, int] = {}
        self._first: dict[str, tuple[str, int]] = {}
        self._notes: list[Repair] = []

    def add(self, kind: str, text: str, index: int) -> None:
        """Record one occurrence of ``kind`` at ``index`` into ``text``."""
        self._counts[kind] = self._counts.get(kind, 0) + 1
        # Line and column are computed only for the first occurrence, at the end.
        self._first.setdefault(kind, (text, index))

    def note(self, kind: str, detail: str) -> None:
        """Record a repair that happens once, with its full detail."""
        self._notes.append(Repair(kind, detail, COSTS[kind]))

    def extend(self, other: RepairLog) -> None:
        """Merge another log into this one."""
        for kind, count in other._counts.items():
            self._counts[kind] = self._counts.get(kind, 0) + count
            self._first.setdefault(kind, other._first[kind])
        self._notes.extend(other._notes)

    def repairs(self) -> tuple[Repair, ...]:
        """The recorded repairs, one per counted kind, then the one-off notes."""
        counted = tuple(
            Repair(kind, _counted_detail(count, position(*self._first[kind])), COSTS[kind])
            for kind, count in self._counts.items()
        )
        return counted + tuple(self._notes)


def _counted_detail(count: int, where: str) -> str:
    times = "once" if count == 1 else f"{count} times"
    return f"{times}, first {where}"


def position(text: str, index: int) -> str:
    """Human-readable ``line L col C`` for an index into ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"at line {line} col {column}"

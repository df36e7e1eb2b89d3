"""Finds the JSON value(s) in a model reply: inside fences, prose or reasoning blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from accord.llm.parsing._flags import RepairLog
from accord.llm.parsing._lexer import SyntaxProblem
from accord.llm.parsing._reader import Path, read_value

_START = re.compile(r"[{\[]")
# Reasoning models put their thoughts first; a tag later on may be inside the data.
_THINK = re.compile(r"\s*<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.DOTALL)
_FENCE_OPEN = re.compile(r"```[\w+-]*[ \t]*\n?[ \t]*\Z")
_FENCE_CLOSE = re.compile(r"\s*```")
_WHOLE_FENCED = re.compile(r"\s*```[\w+-]*[ \t]*\n(.*?)(\n[ \t]*```\s*)?\Z", re.DOTALL)
# Text right before a candidate that means it sits inside a larger (broken) JSON
# value rather than in prose: a key and colon, an opening bracket or a comma.
_NESTED_BEFORE = re.compile(r"(?:[\"']\s*:|[\[{,])\s*\Z")
_NESTED_AFTER = re.compile(r"\s*[}\]]")


@dataclass(slots=True)
class Candidate:
    """One JSON value found in the text, with the repairs reading it needed."""

    value: Any
    start: int
    end: int
    log: RepairLog
    closed: list[Path]


@dataclass(slots=True)
class Scan:
    """Everything found in the text: candidates, and the problems met on the way."""

    candidates: list[Candidate] = field(default_factory=list)
    truncated: SyntaxProblem | None = None
    problem: SyntaxProblem | None = None
    problem_reach: int = -1  # how far into its value the read that failed got
    # Starts of values that were clearly meant as JSON but are broken.
    broken: list[tuple[int, SyntaxProblem]] = field(default_factory=list)
    log: RepairLog = field(default_factory=RepairLog)


def scan(text: str) -> Scan:
    """Find every top-level JSON object or array in ``text``.

    Reading stops at a value cut off by the end of the text: everything after its
    start belongs to it, so nothing later can be trusted.
    """
    result = Scan()
    text = _blank_reasoning(text, result)
    if result.truncated is not None:
        return result
    if text.lstrip()[:1] in ('"', "'"):
        # A reply that is one JSON string (often JSON encoded twice): the braces
        # inside it are not candidates of their own.
        _scan_whole(text, result)
        if result.candidates:
            return result
        result = Scan(log=result.log)
    search_from = 0
    while (match := _START.search(text, search_from)) is not None:
        start = match.start()
        log = RepairLog()
        try:
            read = read_value(text, start, log)
        except SyntaxProblem as problem:
            if problem.truncated:
                result.truncated = problem
                return result
            # Keep the problem of the attempt that got furthest: it is the JSON
            # the model meant, not a brace in prose.
            if problem.members:
                result.broken.append((start, problem))
            if problem.pos - start > result.problem_reach:
                result.problem_reach, result.problem = problem.pos - start, problem
            # Brackets before the error belong to the broken value (and would fail
            # the same way): skipping them keeps the scan linear.
            search_from = max(start + 1, problem.pos)
            continue
        if result.problem is not None and _looks_nested(text, start, read.end):
            search_from = start + 1
            continue
        _label_surroundings(text, start, read.end, log)
        result.candidates.append(Candidate(read.value, start, read.end, log, read.closed))
        search_from = read.end
    if not result.candidates:
        _scan_whole(text, result)
    return result


def _blank_reasoning(text: str, result: Scan) -> str:
    """Replace a leading reasoning block by spaces, keeping indexes into the text valid."""
    match = _THINK.match(text)
    if match is None:
        return text
    if not match.group().endswith(f"</{match.group(1)}>"):
        result.truncated = SyntaxProblem(
            "the reply ends inside its reasoning block, before any answer",
            match.start(),
            truncated=True,
        )
        return text
    result.log.note("strip_reasoning", f"removed a <{match.group(1)}> block")
    return " " * match.end() + text[match.end() :]


def _looks_nested(text: str, start: int, end: int) -> bool:
    return bool(_NESTED_BEFORE.search(text, 0, start) or _NESTED_AFTER.match(text, end))


def _label_surroundings(text: str, start: int, end: int, log: RepairLog) -> None:
    before, after = text[:start], text[end:]
    fence = _FENCE_OPEN.search(before)
    if fence is not None:
        log.note("strip_fences", "removed a ``` code fence around the JSON")
        before = before[: fence.start()]
        close = _FENCE_CLOSE.match(after)
        if close is not None:
            after = after[close.end() :]
    if before.strip() or after.strip():
        log.note(
            "extract_from_prose",
            f"took the JSON at characters {start}-{end} out of surrounding text",
        )


def _scan_whole(text: str, result: Scan) -> None:
    """Read a bare scalar (for outputs such as ``int`` or ``str``), maybe fenced."""
    log = RepairLog()
    body, offset = text, 0
    fenced = _WHOLE_FENCED.match(text)
    if fenced is not None:
        body, offset = fenced.group(1), fenced.start(1)
        log.note("strip_fences", "removed a ``` code fence around the JSON")
    stripped = body.strip()
    if not stripped:
        return
    start = offset + body.index(stripped[0])
    try:
        read = read_value(text[: offset + len(body)], start, log)
    except SyntaxProblem as problem:
        if problem.truncated:
            result.truncated = problem
        elif result.problem is None:
            result.problem = problem
        return
    if text[read.end : offset + len(body)].strip():
        return
    if fenced is not None and fenced.group(2) is None and _is_number(read.value):
        # No closing fence: the reply was cut, and the number may have lost digits.
        result.truncated = SyntaxProblem(
            "number at the end of an unclosed code fence may be cut off", start, truncated=True
        )
        return
    result.candidates.append(Candidate(read.value, start, read.end, log, read.closed))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)

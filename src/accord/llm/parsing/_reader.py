"""Builds Python values from lexer tokens, repairing what can be repaired safely.

Repairs made here: trailing commas, Python literals, unquoted keys, a missing comma
at a line break, and objects whose final closers are missing. Anything that could
have lost data is refused with `SyntaxProblem`: a cut string, number or word, an
unclosed list, an object cut after a comma, key or colon.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, NoReturn

from accord.llm.parsing._flags import RepairLog
from accord.llm.parsing._lexer import Kind, Lexer, SyntaxProblem, Token
from accord.llm.parsing._quick import read as read_rewritten

_MAX_DEPTH = 200
_LITERALS: dict[str, tuple[Any, bool]] = {
    "true": (True, False),
    "false": (False, False),
    "null": (None, False),
    "True": (True, True),
    "False": (False, True),
    "None": (None, True),
}

Path = tuple[str, ...]


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate keys")  # the reader decides about them
    return result


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite_float(literal: str) -> float:
    value = float(literal)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{literal} is out of range")  # the reader reports it
    return value


_STRICT = json.JSONDecoder(
    object_pairs_hook=_unique_keys, parse_constant=_no_constants, parse_float=_finite_float
)


@dataclass(slots=True)
class ReadResult:
    """A value read from the text, where it ended, and which objects were closed for it.

    ``closed`` lists the key paths (from the value's root) of objects whose closing
    brace was missing at the end of the text and was added by the reader.
    """

    value: Any
    end: int
    closed: list[Path] = field(default_factory=list)


def read_value(text: str, start: int, log: RepairLog) -> ReadResult:
    """Read one value from ``text`` at ``start``."""
    try:
        # Most values are valid JSON inside prose or fences: the C decoder reads
        # them much faster, and the reader below only handles what it rejects.
        value, end = _STRICT.raw_decode(text, start)
    except json.JSONDecodeError:
        syntax = True
    except (ValueError, RecursionError):
        # Valid JSON that our hooks refuse (a duplicate key, NaN, an overflow): the
        # rewrite would meet the same, so the reader decides at once.
        syntax = False
    else:
        return ReadResult(value, end)
    # Then the common damage, rewritten by one regex pass for the same decoder; text
    # that looks cut (more openers than closers, an odd number of quotes) goes straight to
    # the reader, which decides what a cut lost. Only the route depends on these counts.
    if (
        syntax
        and text.count('"', start) % 2 == 0
        and text.count("{", start) + text.count("[", start)
        <= text.count("}", start) + text.count("]", start)
    ):
        quick = read_rewritten(text, start, _STRICT, log)
        if quick is not None:
            return ReadResult(*quick)
    reader = _Reader(text, start, log)
    try:
        value = reader.value((), 0)
    except SyntaxProblem as problem:
        problem.members = reader.members
        raise
    return ReadResult(value, reader.end, reader.closed)


class _Reader:
    def __init__(self, text: str, start: int, log: RepairLog) -> None:
        self._text = text
        self._lexer = Lexer(text, start, log)
        self._log = log
        self.closed: list[Path] = []
        self.end = start
        self.members = 0

    def value(self, path: Path, depth: int, context: str = "top") -> Any:
        if depth > _MAX_DEPTH:
            raise SyntaxProblem("nesting is too deep", self._lexer.peek().start)
        token = self._lexer.next()
        self.end = token.end
        if token.kind is Kind.LBRACE or token.kind is Kind.LBRACKET:
            if depth:
                # Damage is usually local: a nested value that is valid JSON is read by
                # the C decoder, which gives the one reading valid JSON has.
                try:
                    value, end = _STRICT.raw_decode(self._text, token.start)
                except (ValueError, RecursionError):
                    pass
                else:
                    self._lexer.seek(end)
                    self.end = end
                    return value
            if token.kind is Kind.LBRACE:
                return self._object(path, depth)
            return self._array(path, depth)
        if token.kind is Kind.STRING:
            if context != "top" and self._text[token.start] == '"':
                in_list = context == "list"
                if not self._lexer.ends_cleanly(token, in_list=in_list):
                    reread = self._lexer.reread_string(token.start, in_list=in_list)
                    if reread is not None:
                        token = reread
                        self.end = token.end
            return token.value
        if token.kind is Kind.NUMBER:
            return token.value
        if token.kind is Kind.WORD:
            return self._literal(token)
        if token.kind is Kind.EOF:
            raise SyntaxProblem("value missing at the end of the text", token.start, truncated=True)
        raise SyntaxProblem(f"expected a value, found {token.kind.value!r}", token.start)

    def _literal(self, token: Token) -> Any:
        word = str(token.value)
        if word in _LITERALS:
            value, pythonic = _LITERALS[word]
            if pythonic:
                self._log.add("python_literal", self._text, token.start)
            return value
        if word in ("NaN", "Infinity"):
            raise SyntaxProblem(
                f"{word} is not a number JSON allows: the model gave no value; give a number, "
                "or null if the field allows it",
                token.start,
            )
        if token.end >= len(self._text):
            raise SyntaxProblem(
                f"word {word!r} cut off at the end of the text", token.start, truncated=True
            )
        raise SyntaxProblem(f"unquoted value {word!r} (strings need quotes)", token.start)

    def _object(self, path: Path, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        token = self._lexer.next()
        if token.kind is Kind.RBRACE:
            self.end = token.end
            return result
        while True:
            key = self._key(token, after_comma=bool(result))
            if key is None:  # trailing comma before "}"
                return result
            colon = self._lexer.next()
            if colon.kind is not Kind.COLON:
                self._refuse_or_cut(colon, f"expected ':' after key {key!r}")
            value = self.value((*path, key), depth + 1, "object")
            if key in result and result[key] != value:
                raise SyntaxProblem(
                    f"key {key!r} appears twice with different values ({result[key]!r} and "
                    f"{value!r}); give each key once",
                    colon.start,
                    kind="duplicate_key",
                    loc=(*path, key),
                )
            result[key] = value
            self.members += 1
            token = self._lexer.next()
            if token.kind is Kind.COMMA:
                token = self._lexer.next()
                continue
            if token.kind is Kind.RBRACE:
                self.end = token.end
                return result
            if token.kind is Kind.EOF:
                self._close_cut_object(path, value, token)
                return result
            if token.kind is Kind.STRING and token.newline_before:
                self._log.add("missing_comma", self._text, token.start)
                continue
            raise SyntaxProblem(f"expected ',' or '}}', found {token.kind.value!r}", token.start)

    def _key(self, token: Token, *, after_comma: bool) -> str | None:
        if token.kind is Kind.STRING:
            return str(token.value)
        if token.kind is Kind.WORD:
            self._log.add("unquoted_key", self._text, token.start)
            return str(token.value)
        if token.kind is Kind.RBRACE and after_comma:
            self._log.add("trailing_comma", self._text, token.start)
            self.end = token.end
            return None
        self._refuse_or_cut(token, f"expected a key, found {token.kind.value!r}")

    def _close_cut_object(self, path: Path, last_value: Any, eof: Token) -> None:
        # A number at the very end may have lost digits; strings, literals and
        # closed containers cannot have been cut, so only the closer is missing.
        if isinstance(last_value, int | float) and not isinstance(last_value, bool):
            raise SyntaxProblem(
                "text ends right after a number, which may be cut off", eof.start, truncated=True
            )
        self._log.add("close_truncated", self._text, eof.start)
        self.closed.append(path)
        self.end = eof.start

    def _array(self, path: Path, depth: int) -> list[Any]:
        result: list[Any] = []
        if self._lexer.peek().kind is Kind.RBRACKET:
            self.end = self._lexer.next().end
            return result
        while True:
            token = self._lexer.peek()
            if token.kind is Kind.EOF:
                raise SyntaxProblem(
                    "list cut off at the end of the text", token.start, truncated=True
                )
            if token.kind is Kind.RBRACKET:  # only reachable right after a comma
                self._log.add("trailing_comma", self._text, token.start)
                self.end = self._lexer.next().end
                return result
            result.append(self.value((*path, str(len(result))), depth + 1, "list"))
            token = self._lexer.next()
            if token.kind is Kind.RBRACKET:
                self.end = token.end
                return result
            if token.kind is Kind.COMMA:
                continue
            if token.kind is Kind.EOF:
                raise SyntaxProblem(
                    "list cut off at the end of the text", token.start, truncated=True
                )
            if token.newline_before and token.kind in (Kind.STRING, Kind.LBRACE):
                self._log.add("missing_comma", self._text, token.start)
                self._lexer.push_back(token)
                continue
            raise SyntaxProblem(f"expected ',' or ']', found {token.kind.value!r}", token.start)

    def _refuse_or_cut(self, token: Token, msg: str) -> NoReturn:
        if token.kind is Kind.EOF:
            raise SyntaxProblem(
                "object cut off at the end of the text", token.start, truncated=True
            )
        raise SyntaxProblem(msg, token.start)

"""Tokenizer for the lenient JSON dialect that LLMs write.

Accepts, and records as repairs: single-quoted strings, raw control characters in
strings, and ``//``, ``/* */`` and ``#`` comments. Reaching the end of the text in
the middle of a token raises `SyntaxProblem` with ``truncated=True``.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from enum import Enum

from accord.llm.parsing._flags import RepairLog


class SyntaxProblem(Exception):
    """The text is not (repairable) JSON at ``pos``; ``truncated`` if it ended early.

    ``members`` counts the object members read before the problem: a value that got
    that far was meant as JSON, unlike a bracket in prose.
    """

    def __init__(
        self,
        msg: str,
        pos: int,
        *,
        truncated: bool = False,
        kind: str = "syntax",
        loc: tuple[str, ...] = (),
    ) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos
        self.truncated = truncated
        self.kind = kind
        self.loc = loc
        self.members = 0


class Kind(Enum):
    """Token kinds."""

    LBRACE = "{"
    RBRACE = "}"
    LBRACKET = "["
    RBRACKET = "]"
    COLON = ":"
    COMMA = ","
    STRING = "string"
    NUMBER = "number"
    WORD = "word"
    EOF = "end of text"


@dataclass(slots=True)
class Token:
    """A token; ``value`` is the decoded string, the number, or the word's text."""

    kind: Kind
    start: int
    end: int
    value: str | int | float | None = None
    newline_before: bool = False


_PUNCTUATION = {
    kind.value: kind
    for kind in (Kind.LBRACE, Kind.RBRACE, Kind.LBRACKET, Kind.RBRACKET, Kind.COLON, Kind.COMMA)
}
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_NUMBER_CHARS = re.compile(r"[-+0-9.eE]+")
_WORD = re.compile(r"[^\W\d][\w$]*")
_CONTROL = re.compile(r"[\x00-\x1f]")
_BLANK = re.compile(r"[ \t\r\n\ufeff]*")
_BLANK_STARTS = frozenset(" \t\r\n\ufeff#/")
_PYTHON_ESCAPE = re.compile(r"\\(\\|x[0-9a-fA-F]{2}|U[0-9a-fA-F]{8}|')")
_CURLY_CLOSERS = {
    "\u201c": "\u201d\u201c",
    "\u201d": "\u201d",
    "\u201e": "\u201c\u201d",
    "\u2018": "\u2019",
    "\u2019": "\u2019",
}
_ANY_CLOSER = re.compile('["\u201d]')
_KEY_AHEAD = r"""(?:"[^"\n]*"|\u201c[^\u201d\n]*\u201d|'[^'\n]*'|[A-Za-z_]\w*)\s*:"""
_AFTER_VALUE = re.compile(
    rf"[ \t]*(?:(?://|#|/\*)|,\s*(?:{_KEY_AHEAD}|[}}\]])|\s*[}}\]]|\s*\n\s*{_KEY_AHEAD}|\s*\Z)"
)
_AFTER_ELEMENT = re.compile(
    r"""[ \t]*(?:,\s*(?:["'\u201c{\[\-\d]|true|false|null|\])|\s*\]|\s*\Z)"""
)
# As above, without the end of the text: a string that ends there was cut, not closed.
_END_VALUE = re.compile(_AFTER_VALUE.pattern.removesuffix(r"|\s*\Z)") + ")")
_END_ELEMENT = re.compile(_AFTER_ELEMENT.pattern.removesuffix(r"|\s*\Z)") + ")")
_DELIMITER = re.compile(r"\s*[,:}\]\"\u201d]")
_UNESCAPED_QUOTE = re.compile(r'(?<!\\)"')
_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}


class Lexer:
    """Produces tokens from ``text`` starting at ``pos``, with one token of lookahead."""

    def __init__(self, text: str, pos: int, log: RepairLog) -> None:
        self._text = text
        self._pos = pos
        self._log = log
        self._peeked: Token | None = None

    def peek(self) -> Token:
        """The next token, without consuming it."""
        if self._peeked is None:
            self._peeked = self._read()
        return self._peeked

    def next(self) -> Token:
        """Consume and return the next token."""
        token = self.peek()
        self._peeked = None
        return token

    def push_back(self, token: Token) -> None:
        """Undo the last `next` (only one token can be pushed back)."""
        assert self._peeked is None
        self._peeked = token

    def _read(self) -> Token:
        newline = self._skip_blank()
        text, start = self._text, self._pos
        if start >= len(text):
            return Token(Kind.EOF, start, start, newline_before=newline)
        char = text[start]
        if char in _PUNCTUATION:
            self._pos = start + 1
            return Token(_PUNCTUATION[char], start, start + 1, newline_before=newline)
        if char == '"' or char == "'":
            token = self._string(char)
        elif char in _CURLY_CLOSERS:
            token = self._curly_string(char)
        elif char == "-" or char.isdigit():
            token = self._number()
        elif (word := _WORD.match(text, start)) is not None:
            self._pos = word.end()
            token = Token(Kind.WORD, start, word.end(), word.group())
        else:
            raise SyntaxProblem(f"unexpected character {char!r}", start)
        token.newline_before = newline
        return token

    def seek(self, pos: int) -> None:
        """Continue reading at ``pos`` (after a value read by other means)."""
        self._pos, self._peeked = pos, None

    def _skip_blank(self) -> bool:
        """Skip whitespace and comments; report whether a newline was skipped."""
        text, pos, newline = self._text, self._pos, False
        if pos < len(text) and text[pos] not in _BLANK_STARTS:
            return False  # the common case: a token right here
        while pos < len(text):
            char = text[pos]
            if char in " \t\r\n\ufeff":
                blank = _BLANK.match(text, pos)
                assert blank is not None  # the pattern also matches the empty string
                newline = newline or "\n" in blank.group()
                pos = blank.end()
            elif char == "#" or text.startswith("//", pos):
                self._log.add("comments", text, pos)
                end = text.find("\n", pos)
                pos = len(text) if end == -1 else end
            elif text.startswith("/*", pos):
                self._log.add("comments", text, pos)
                end = text.find("*/", pos + 2)
                if end == -1:
                    raise SyntaxProblem("block comment never closed", pos, truncated=True)
                newline = newline or "\n" in text[pos:end]
                pos = end + 2
            else:
                break
        self._pos = pos
        return newline

    def _string(self, quote: str) -> Token:
        text, start = self._text, self._pos
        pos = start + 1
        while True:
            end = text.find(quote, pos)
            if end == -1:
                raise SyntaxProblem("string cut off at the end of the text", start, truncated=True)
            backslashes = 0
            while text[end - 1 - backslashes] == "\\":
                backslashes += 1
            if backslashes % 2 == 0:
                break
            pos = end + 1
        body = text[start + 1 : end]
        if quote == '"' and "\\" not in body and not _CONTROL.search(body):
            self._pos = end + 1  # the common case: nothing to decode
            return Token(Kind.STRING, start, end + 1, body)
        if quote == "'":
            self._log.add("single_quotes", text, start)
            body = _requote(body)
        if _CONTROL.search(body):
            self._log.add("control_chars_in_string", text, start)
            body = _CONTROL.sub(_escape_control, body)
        try:
            value = json.loads(f'"{body}"')
        except ValueError as exc:
            value = self._python_escaped(body, start, exc)
        self._pos = end + 1
        return Token(Kind.STRING, start, end + 1, value)

    def _curly_string(self, opener: str) -> Token:
        """A string delimited by typographic quotes (U+201C/U+201D, U+2018/U+2019)."""
        text, start = self._text, self._pos
        closers = _CURLY_CLOSERS[opener]
        end = start + 1
        while end < len(text) and text[end] not in closers:
            end += 1
        if end >= len(text):
            raise SyntaxProblem("string cut off at the end of the text", start, truncated=True)
        self._log.add("typographic_quotes", text, start)
        self._pos = end + 1
        body = _UNESCAPED_QUOTE.sub('\\\\"', text[start + 1 : end])
        return Token(Kind.STRING, start, end + 1, self._decode(body, start))

    def reread_string(self, start: int, *, in_list: bool) -> Token | None:
        """Read the ``"``-string at ``start`` again, ending it at the only quote (``"`` or
        ``”``) that a delimiter follows; the quotes before it are content.

        Returns None when no quote can end it. Raises `SyntaxProblem` when an inner quote is
        itself followed by a delimiter: then two endings are plausible.
        """
        text = self._text
        after = _END_ELEMENT if in_list else _END_VALUE
        pos, inner = start + 1, []
        while (match := _ANY_CLOSER.search(text, pos)) is not None:
            end = match.start()
            pos = end + 1
            backslashes = 0
            while text[end - 1 - backslashes] == "\\":
                backslashes += 1
            if backslashes % 2:
                continue
            if after.match(text, end + 1):
                break
            inner.append(end)
        else:
            return None
        for quote in inner:
            if _DELIMITER.match(text, quote + 1):
                raise SyntaxProblem(
                    "a quote inside a string is followed by a delimiter, so the string could "
                    'end there or later (ambiguous); escape quotes inside strings as \\"',
                    quote,
                )
        body = text[start + 1 : end]
        if inner:
            self._log.add("inner_quotes", text, inner[0])
            body = _UNESCAPED_QUOTE.sub('\\\\"', body)
        if text[end] != '"':
            self._log.add("typographic_quotes", text, end)
        self._pos, self._peeked = end + 1, None
        return Token(Kind.STRING, start, end + 1, self._decode(body, start))

    def ends_cleanly(self, token: Token, *, in_list: bool) -> bool:
        """Whether what follows the string ``token`` can follow a value in its container."""
        after = _AFTER_ELEMENT if in_list else _AFTER_VALUE
        return after.match(self._text, token.end) is not None

    def _decode(self, body: str, start: int) -> str:
        if _CONTROL.search(body):
            self._log.add("control_chars_in_string", self._text, start)
            body = _CONTROL.sub(_escape_control, body)
        try:
            value: str = json.loads(f'"{body}"')
        except ValueError as exc:
            value = self._python_escaped(body, start, exc)
        return value

    def _python_escaped(self, body: str, start: int, error: ValueError) -> str:
        """Decode a string written with Python escapes (``\\x41``, ``\\U0001f600``, ``\\'``)."""
        converted = _PYTHON_ESCAPE.sub(_json_escape, body)
        try:
            value: str = json.loads(f'"{converted}"')
        except ValueError:
            raise SyntaxProblem(f"bad escape in string: {error.args[0]}", start) from None
        self._log.add("python_escapes", self._text, start)
        return value

    def _number(self) -> Token:
        text, start = self._text, self._pos
        run = _NUMBER_CHARS.match(text, start)
        end = run.end() if run else start + 1
        match = _NUMBER.fullmatch(text, start, end)
        if match is None or (end < len(text) and _WORD.match(text, end)):
            if end >= len(text):
                raise SyntaxProblem("number cut off at the end of the text", start, truncated=True)
            raise SyntaxProblem(f"malformed number {text[start : end + 1]!r}", start)
        literal = match.group()
        value: int | float
        try:
            value = float(literal) if any(c in literal for c in ".eE") else int(literal)
        except ValueError:  # more digits than Python converts (sys.int_info)
            value = float("inf")
        if value in (float("inf"), float("-inf")):
            shown = literal if len(literal) <= 20 else literal[:20] + "..."
            raise SyntaxProblem(f"number {shown} is out of range", start)
        self._pos = end
        return Token(Kind.NUMBER, start, end, value)


def _requote(body: str) -> str:
    """Turn the body of a single-quoted string into the body of a double-quoted one."""
    out: list[str] = []
    chars = iter(body)
    for char in chars:
        if char == "\\":
            escaped = next(chars, "")
            out.append("'" if escaped == "'" else "\\" + escaped)
        elif char == '"':
            out.append('\\"')
        else:
            out.append(char)
    return "".join(out)


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return _CONTROL_ESCAPES.get(char, f"\\u{ord(char):04x}")


def _json_escape(match: re.Match[str]) -> str:
    escape = match.group(1)
    if escape == "\\":
        return "\\\\"
    if escape == "'":
        return "'"
    code = int(escape[1:], 16)
    if code > sys.maxunicode:
        return match.group()  # left invalid, so decoding reports the bad escape
    return json.dumps(chr(code))[1:-1]

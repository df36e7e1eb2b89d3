"""A regex-driven rewrite of the common damage into JSON, for the C decoder to read.

Most broken replies break JSON in a few token-local ways: single or typographic quotes,
Python literals, unquoted keys, trailing commas, comments, raw line breaks in strings.
One `re.finditer` rewrites exactly those tokens and copies everything else in long runs
(valid strings, punctuation, digits, blanks); the result is decoded by the same strict C decoder as
valid JSON. Text the pattern does not know is copied as it is (from a string it cannot
read, all the rest is), so the decoder fails at the first place the rewrite could not
make valid; then `read` returns None and the token
reader (`_reader._Reader`) reads the value with its precise checks and messages. Up to
the end of the decoded value every token was read in step with the decoder, so this path
accepts only what that reader accepts, with the same value and the same repair kinds.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

from accord.llm.parsing._flags import RepairLog

_GAP = r"(?:[ \t\r\n]|//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/|\#[^\n]*)*"
# Possessive repeats: a run is read in chunks, without a backtracking point per character.
_TOKEN = re.compile(
    rf"""
    (?P<run>(?:[^"'\u201c/\#,A-Za-z_\x80-\U0010ffff]++
             |"[^"\\\x00-\x1f]*+(?:\\["\\/bfnrtu][^"\\\x00-\x1f]*+)*+")++)
  | (?P<trailing>,)(?=(?P<gap>{_GAP})[}}\]])
  | (?P<ctrl>"[^"\\]*+(?:\\["\\/bfnrtu][^"\\]*+)*+")
  | (?P<single>'[^'"\\\x00-\x1f]*')
  | (?P<curly>\u201c[^\u201c\u201d"\\\x00-\x1f]*\u201d)
  | (?P<comment>//[^\n]*|/\*(?:[^*]|\*(?!/))*\*/|\#[^\n]*)
  | (?P<word>[^\W\d][\w$]*)
  | (?P<other>.)
  """,
    re.VERBOSE | re.DOTALL,
)
_KEY_AFTER = re.compile(r"[ \t\r\n]*:")
_COMMENTED_OUT = re.compile(r"[\"\u201c\u201d]")
_PYTHON_WORDS = {"True": "true", "False": "false", "None": "null"}
_VALUE_ENDS = frozenset('"}]0123456789el')
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
# The token reader refuses deeper values with its own message.
_MAX_BRACKETS = 200


def read(text: str, start: int, decoder: Any, log: RepairLog) -> tuple[Any, int] | None:
    """The value at ``start`` (an opening bracket) and where it ends in ``text``, with the
    common damage rewritten and logged; None when anything needs the token reader."""
    if text[start : start + 1] not in ("{", "["):
        return None
    out: list[str] = []
    found: list[tuple[int, str]] = []
    # (index in the rewritten text, how much longer it is than the original up to there)
    shifts: list[tuple[int, int]] = []
    shift = 0
    for match in _TOKEN.finditer(text, start):
        kind = match.lastgroup
        token = match.group()
        if kind == "run":
            out.append(token)
        elif kind == "other":
            if token == '"':
                # A string the pattern cannot read (a raw line break, a bad escape, the
                # end of the text): nothing after it may be rewritten, or a rewrite could
                # make that string read as valid. The decoder meets it as it is.
                out.append(text[match.start() :])
                break
            out.append(token)
        elif kind == "word":
            if _KEY_AFTER.match(text, match.end()) is not None:
                if token in ("true", "false", "null"):
                    out.append(token)  # not a key the reader would take either
                    continue
                found.append((match.start(), "unquoted_key"))
                out.append(f'"{token}"')
                shift += 2
                shifts.append((sum(map(len, out)), shift))
            elif token in _PYTHON_WORDS:
                found.append((match.start(), "python_literal"))
                out.append(_PYTHON_WORDS[token])
            else:
                out.append(token)
        elif kind == "gap":  # the comma before a closing bracket (its group closes last)
            if _ends_value(out):
                found.append((match.end() + len(match.group("gap")), "trailing_comma"))
                out.append(" ")
            else:
                out.append(token)
        elif kind == "ctrl":  # a string holding raw line breaks or tabs
            if _KEY_AFTER.match(text, match.end()) is not None:
                break  # a key with a line break in it: the reader decides
            found.append((match.start(), "control_chars_in_string"))
            out.append(_CONTROL.sub(_escape_control, token))
        elif kind == "single":
            found.append((match.start(), "single_quotes"))
            out.append(f'"{token[1:-1]}"')
        elif kind == "curly":
            found.append((match.start(), "typographic_quotes"))
            out.append(f'"{token[1:-1]}"')
        else:  # a comment
            if _COMMENTED_OUT.search(token) is not None:
                # A comment holding a quoted string may be a commented-out member or
                # element (`# "email": "a@x.org"`): dropping it may drop data, so the
                # reader, which looks closer, decides.
                out.append(text[match.start() :])
                break
            found.append((match.start(), "comments"))
            out.append(" " * len(token))
    rewritten = "".join(out)
    if rewritten.count("[") + rewritten.count("{") > _MAX_BRACKETS:
        return None
    try:
        value, end = decoder.raw_decode(rewritten)
    except (ValueError, RecursionError):
        return None
    if shifts:
        at = bisect_right(shifts, (end, float("inf"))) - 1
        end -= shifts[at][1] if at >= 0 else 0
    end += start
    for index, kind in sorted(found):
        if index >= end:
            break
        log.add(kind, text, index)
    return value, end


def _escape_control(match: re.Match[str]) -> str:
    char = match.group()
    return _CONTROL_ESCAPES.get(char, f"\\u{ord(char):04x}")


def _ends_value(out: list[str]) -> bool:
    """Whether the rewritten text so far ends with a value (then a comma before a closing
    bracket is trailing; after ``{``, ``[``, ``,`` or ``:`` it is a syntax error)."""
    for piece in reversed(out):
        stripped = piece.rstrip()
        if stripped:
            return stripped[-1] in _VALUE_ENDS
    return False

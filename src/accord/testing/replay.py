"""Record real provider calls once, replay them in every later run (vcrpy cassettes).

::

    with llm_cassette("tests/cassettes/extract_person.yaml"):
        result = await extract_person.run(text="Ada, 36, London")

The first run (no cassette file yet, ``CI`` unset) sends the requests and writes them to the
file; later runs, and every run with ``CI`` set, answer from the file and send nothing. In
the pytest plugin the ``llm_cassette`` fixture does the same with a cassette named after the
test. API keys never reach the file: the ``Authorization``, ``x-api-key`` and ``api-key``
headers are redacted, and the value of every ``*_API_KEY`` environment variable is replaced
by a placeholder wherever it appears.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

try:
    import vcr  # type: ignore[import-untyped]
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise ImportError(
        "accord.testing.llm_cassette needs vcrpy: pip install 'accord[test]' (or vcrpy)"
    ) from exc

from accord.llm import allow_real_requests

__all__ = ["REDACTED", "Cassette", "RecordMode", "default_record_mode", "llm_cassette"]

RecordMode = Literal["once", "none", "new_episodes", "all"]
REDACTED = "<redacted>"

SECRET_HEADERS = ("authorization", "x-api-key", "api-key", "proxy-authorization", "cookie")
_RESPONSE_HEADERS_DROPPED = frozenset({"set-cookie", "openai-organization", "openai-project"})
_SECRET_QUERY = ("key", "api_key", "api-key")
# A replay needs no key, but the SDK clients refuse to start without one.
_REPLAY_KEYS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
_DEFAULT_MATCH = ("method", "scheme", "host", "port", "path", "query", "body")


@dataclass(frozen=True)
class Cassette:
    """An active cassette: its file, its record mode and whether this run records."""

    path: Path
    mode: RecordMode
    recording: bool
    _vcr_cassette: Any

    @property
    def played(self) -> int:
        """How many recorded answers were replayed so far."""
        return int(self._vcr_cassette.play_count)

    @property
    def interactions(self) -> int:
        """How many request/answer pairs the cassette holds (recorded so far included)."""
        return len(self._vcr_cassette)


def default_record_mode() -> RecordMode:
    """``none`` (replay only) when ``CI`` is set, else ``once`` (record what is missing)."""
    return "none" if os.environ.get("CI", "") not in ("", "0", "false") else "once"


def _secret_values(extra: Sequence[str]) -> list[tuple[str, str]]:
    pairs = [
        (f"<{name}>", value)
        for name, value in sorted(os.environ.items())
        if name.upper().endswith("_API_KEY") and len(value) >= 6
    ]
    pairs += [(f"<secret-{i}>", value) for i, value in enumerate(extra, 1) if value]
    return pairs


def _clean_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in _RESPONSE_HEADERS_DROPPED:
            del headers[name]
    return response


@contextmanager
def _placeholder_keys() -> Iterator[None]:
    missing = [name for name in _REPLAY_KEYS if not os.environ.get(name)]
    for name in missing:
        os.environ[name] = "replayed-without-a-key"
    try:
        yield
    finally:
        for name in missing:
            os.environ.pop(name, None)


@contextmanager
def llm_cassette(
    path: str | os.PathLike[str],
    *,
    record_mode: RecordMode | None = None,
    match_on: Sequence[str] = _DEFAULT_MATCH,
    secrets: Sequence[str] = (),
) -> Iterator[Cassette]:
    """Record (or replay) every HTTP request of the block to/from the cassette at ``path``.

    ``record_mode`` defaults to `default_record_mode` (``once`` locally, ``none`` under CI).
    While recording, the forbid-real-requests switch is lifted for the block. While
    replaying it is lifted too, because vcrpy then stands in for it: a request that is not in
    the cassette fails (``CannotOverwriteExistingCassetteException``) without leaving the
    process. Requests match on method, URL and body by default (``match_on``). ``secrets``
    are more values to keep out of the file.
    """
    mode: RecordMode = record_mode or default_record_mode()
    if mode not in ("once", "none", "new_episodes", "all"):
        raise ValueError(
            f"llm_cassette: unknown record_mode {mode!r}; use once, none, new_episodes or all"
        )
    file = Path(path)
    if file.suffix not in (".yaml", ".yml"):
        raise ValueError(f"llm_cassette: {file} must be a .yaml file")
    if mode == "none" and not file.exists():
        raise FileNotFoundError(
            f"cassette {file} does not exist and record mode is 'none'"
            + (" (CI is set)" if os.environ.get("CI") else "")
            + ": record it by running this test once locally with real API keys and without "
            "CI set, then commit the file"
        )
    recording = mode in ("new_episodes", "all") or (mode == "once" and not file.exists())
    file.parent.mkdir(parents=True, exist_ok=True)
    recorder = vcr.VCR(
        record_mode=mode,
        match_on=tuple(match_on),
        filter_headers=[(name, REDACTED) for name in SECRET_HEADERS],
        filter_query_parameters=[(name, REDACTED) for name in _SECRET_QUERY],
        filter_sensitive_data=_secret_values(secrets),
        before_record_response=_clean_response,
        decode_compressed_response=True,
        record_on_exception=False,
        # "all" re-records: answers not asked for again must not linger in the file.
        drop_unused_requests=mode == "all",
    )
    keys = _placeholder_keys() if not recording else _nothing()
    with allow_real_requests(), keys, recorder.use_cassette(str(file)) as active:
        yield Cassette(file, mode, recording, active)


@contextmanager
def _nothing() -> Iterator[None]:
    yield

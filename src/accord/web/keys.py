"""Signing keys kept outside the action log: in a key file beside the database, or in an
environment variable.

A copy of the database (a backup, a bug report) then holds no key that could sign a token.
The key file, ``<database>-<name>.key``, is created on first start with mode 0600 and holds one
key per line: the first signs, every one verifies. Rotating is writing a new first line (see
docs/http.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["KeyFileError", "key_file", "signing_keys"]


class KeyFileError(Exception):
    """The key file cannot be used (readable by others, empty); the message says the fix."""


def key_file(db_file: str | Path, name: str) -> Path:
    """Where the keys named ``name`` of the database ``db_file`` live."""
    return Path(f"{db_file}-{name}.key")


def signing_keys(
    name: str, *, db_file: str | Path | None, env: str | None = None, first: str | None = None
) -> list[str]:
    """The keys named ``name``: the first signs, all of them verify.

    From the environment variable ``env`` when it is set (keys separated by commas), else from
    the key file beside ``db_file``, created with a random key (or ``first``, to carry over a
    key kept elsewhere until now) when it does not exist. An in-memory database (``None``,
    ``""`` or ``":memory:"``) gets a fresh key that lives as long as the process.
    """
    if env is not None and os.environ.get(env, "").strip():
        return [key.strip() for key in os.environ[env].split(",") if key.strip()]
    if db_file is None or str(db_file) in ("", ":memory:"):
        return [first or secrets.token_urlsafe(32)]
    path = key_file(db_file, name)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as sink:
            sink.write((first or secrets.token_urlsafe(32)) + "\n")
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise KeyFileError(
            f"the key file {path} can be read by other users (mode {mode:o}); "
            f"run `chmod 600 {path}` and start again"
        )
    keys = [
        line.strip()
        for line in path.read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not keys:
        raise KeyFileError(
            f"the key file {path} holds no key; write one key per line (the first signs), "
            "or delete the file to have a new one created"
        )
    return keys

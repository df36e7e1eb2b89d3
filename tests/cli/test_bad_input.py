"""Every command that opens a database, given a bad ``--db``: one line, exit 2, no traceback."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app as accord_cli

REPO = Path(__file__).resolve().parents[2]

COMMANDS = [
    ["flows"],
    ["trace", "1"],
    ["why", "1"],
    ["review", "list"],
    ["review", "show", "rv1"],
    ["review", "approve", "rv1"],
    ["review", "edit", "rv1", "--value", "{}"],
    ["review", "reject", "rv1"],
    ["drift", "baseline", "--name", "june"],
    ["drift", "check", "--baseline", "june"],
]


def _bad_databases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    plain = tmp_path / "other.db"
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE t (x)")
    return {
        "missing": (tmp_path / "nope.db", "no database at"),
        "folder": (tmp_path, "is a folder, not a database file"),
        "not sqlite": (REPO / "README.md", "not a SQLite database"),
        "not an app's": (plain, "not an accord app's"),
    }


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("kind", ["missing", "folder", "not sqlite", "not an app's"])
def test_a_bad_database_is_one_line_and_exit_2(
    tmp_path: Path, command: list[str], kind: str
) -> None:
    db, says = _bad_databases(tmp_path)[kind]
    if kind == "not an app's" and command[0] == "drift":
        says = "llm"  # drift reads a database without an action log too, and says what it lacks
    result = CliRunner().invoke(accord_cli, [*command, "--db", str(db)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert says in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_console_script_prints_no_traceback_on_a_bad_database() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accord.cli", "trace", "1", "--db", str(REPO / "README.md")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"error: cannot read {REPO / 'README.md'}: not a SQLite database"
    ]


def test_version_is_printed() -> None:
    result = CliRunner().invoke(accord_cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("accord ")


def test_help_texts_name_every_argument_and_describe_it() -> None:
    """Typer writes a positional argument as ``{NAME}`` in the usage line; a lowercase name
    there is a parameter's raw Python name, which is what users saw before."""
    for command in (
        ["check"],
        ["serve"],
        ["trace"],
        ["why"],
        ["review", "show"],
        ["review", "approve"],
        ["review", "edit"],
        ["review", "reject"],
    ):
        text = CliRunner().invoke(accord_cli, [*command, "--help"]).output
        placeholders = re.findall(r"\{([^}]*)\}", text.split("\n\n")[0] + text)
        assert placeholders and all(p.isupper() for p in placeholders), text
        arguments = text.split("Arguments")[1].split("Options")[0]
        assert len(re.findall(r"\w\w+ [a-z]", arguments)) >= 1, text  # a description follows

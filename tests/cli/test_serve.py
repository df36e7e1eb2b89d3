"""``accord serve``: bad app specifications are refused with the fix, before anything runs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import typer
from typer.testing import CliRunner

from accord.cli.serve import serve_command

cli = typer.Typer()
cli.command()(serve_command)


def said(output: str) -> str:
    """The output as one line: the error box's borders and wrapping removed."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def test_an_unimportable_module_is_named_with_the_fix() -> None:
    result = CliRunner().invoke(cli, ["no_such_module_here:app"])
    assert result.exit_code == 2
    assert "cannot load no_such_module_here:app: cannot import 'no_such_module_here'" in said(
        result.output
    )


def test_a_module_without_an_app_is_refused(tmp_path: Path) -> None:
    (tmp_path / "not_an_app.py").write_text("app = 42\n")
    sys.path.insert(0, str(tmp_path))
    try:
        result = CliRunner().invoke(cli, ["not_an_app"])
    finally:
        sys.path.remove(str(tmp_path))
    assert result.exit_code == 2
    assert "not_an_app.app must be an accord.App (got int)" in said(result.output)


def test_an_app_without_requesting_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bare_app.py").write_text("from accord import App\napp = App()\n")
    sys.path.insert(0, str(tmp_path))
    try:
        result = CliRunner().invoke(cli, ["bare_app:app", "--db", str(tmp_path / "x.db")])
    finally:
        sys.path.remove(str(tmp_path))
    assert result.exit_code == 2
    assert "exactly one Requesting concept" in said(result.output)


def test_limits_that_are_not_positive_are_refused(tmp_path: Path) -> None:
    app = ["examples.realworld.app:app", "--db", str(tmp_path / "x.db")]
    depth = CliRunner().invoke(cli, [*app, "--max-depth", "0"])
    assert depth.exit_code == 2 and "must be positive" in said(depth.output)
    wait = CliRunner().invoke(cli, [*app, "--shutdown-timeout", "0"])
    assert wait.exit_code == 2 and "--shutdown-timeout must be positive" in said(wait.output)

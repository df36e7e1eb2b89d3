"""The code blocks of the user docs run, so the docs cannot drift from the code.

In a page listed in ``RUNNABLE``:

* a ```` ```python ```` block runs: all such blocks of the page, in order, are one program
  (later blocks use the names of earlier ones), run in a fresh temporary directory;
* a ```` ```python file=NAME.py ```` block is written to ``NAME.py`` in that directory first
  (blocks naming the same file are appended), so the program can import it; files named
  ``test_*.py`` are then run by pytest, with the accord plugin, and must pass;
* any other fence (```` ```text ````, ```` ```console ````, ```` ```sql ````) is not run.

Tracebacks point at the page's own line numbers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
SRC = DOCS.parent / "src"
RUNNABLE = ["concepts.md", "engine.md", "operating.md", "reviewing.md", "telemetry.md"]

# No configuration file of ours: the page's tests run as a user's would, with the plugin.
PYTEST_OPTIONS = ["-q", "-p", "no:cacheprovider", "-o", "asyncio_mode=auto"]
PYTEST_OPTIONS += ["-o", "asyncio_default_fixture_loop_scope=function"]

FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    info: str
    code: str
    line: int  # line of the page where the code starts (1-based)

    @property
    def file(self) -> str | None:
        match = re.fullmatch(r"python\s+file=(\S+\.py)", self.info.strip())
        return match.group(1) if match else None

    @property
    def runs(self) -> bool:
        return self.info.strip() == "python"


def blocks(page: Path) -> list[Block]:
    text = page.read_text()
    return [
        Block(m.group(1), m.group(2), text.count("\n", 0, m.start(2)) + 1)
        for m in FENCE.finditer(text)
    ]


def program(page: Path, found: list[Block]) -> str:
    """The page's runnable blocks, each at its own line number, blank lines elsewhere."""
    lines = [""] * (page.read_text().count("\n") + 1)
    for block in found:
        if block.runs:
            for offset, line in enumerate(block.code.splitlines()):
                lines[block.line - 1 + offset] = line
    return "\n".join(lines)


@pytest.mark.parametrize("name", RUNNABLE)
def test_every_python_block_of_the_page_runs(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = DOCS / name
    found = blocks(page)
    assert any(b.runs for b in found), f"{name} has no ```python block to run"
    files: dict[str, str] = {}
    for block in found:
        if block.file is not None:
            files[block.file] = files.get(block.file, "") + block.code + "\n"
    for file, code in files.items():
        (tmp_path / file).write_text(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = types.ModuleType(f"docs_{page.stem}")
    module.__file__ = str(page)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for file in files:  # the page's own modules, fresh for each page
        monkeypatch.delitem(sys.modules, file.removesuffix(".py"), raising=False)
    exec(compile(program(page, found), str(page), "exec"), module.__dict__)

    tests = sorted(f for f in files if f.startswith("test_"))
    if tests:
        _run_pytest(tmp_path, tests)


def _run_pytest(folder: Path, tests: list[str]) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), str(folder), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_OPTIONS, "-c", os.devnull, *tests],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"the page's tests failed:\n{done.stdout}\n{done.stderr}"
    assert re.search(r"\b\d+ passed\b", done.stdout), done.stdout
    assert not re.search(r"\b\d+ (failed|skipped|error)", done.stdout), done.stdout


def test_blocks_are_found_with_their_line_numbers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# T\n\n```python\nx = 1\n```\n\n```python file=m.py\ny = 2\n```\n\n```text\nz\n```\n"
    )
    found = blocks(page)
    assert [(b.info, b.code, b.line) for b in found] == [
        ("python", "x = 1\n", 4),
        ("python file=m.py", "y = 2\n", 8),
        ("text", "z\n", 12),
    ]
    assert [(b.runs, b.file) for b in found] == [(True, None), (False, "m.py"), (False, None)]
    assert program(page, found).splitlines()[3] == "x = 1"


def test_a_failing_block_reports_the_page_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```python\nok = 1\nraise ValueError('from the page')\n```\n")
    with pytest.raises(ValueError, match="from the page") as caught:
        exec(compile(program(page, blocks(page)), str(page), "exec"), {})
    assert caught.traceback[-1].lineno + 1 == 5

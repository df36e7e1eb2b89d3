"""The code blocks of the user docs run, so the docs cannot drift from the code.

Every page of ``docs/`` and the README with a Python block is run:

* a ```` ```python ```` block runs: all such blocks of the page, in order, are one program
  (later blocks use the names of earlier ones), run in a fresh temporary directory;
* a ```` ```python file=NAME.py ```` block is written to ``NAME.py`` in that directory first
  (blocks naming the same file are appended), so the program can import it; files named
  ``test_*.py`` are then run by pytest, with the accord plugin, and must pass; any other
  fence with ``file=`` (```` ```text file=store.sync ````) is written the same way;
* a ```` ```python excerpt=PATH ```` block is not run but must be, verbatim, a part of the
  repository file ``PATH`` (which its own tests run), so an excerpt cannot drift from its file;
* a ```` ```python skip=REASON ```` block is shown, not run (a signature, say), and must say why;
* any other fence (```` ```text ````, ```` ```console ````, ```` ```sql ````) is not run.

Any other word after ``python`` is an error, so a typo cannot silently turn a block off.

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

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SRC = ROOT / "src"
PAGES = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]

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
        match = re.fullmatch(r"\S+\s+file=(\S+)", self.info.strip())
        return match.group(1) if match else None

    @property
    def runs(self) -> bool:
        return self.info.strip() == "python"

    @property
    def skip_reason(self) -> str | None:
        match = re.fullmatch(r"python\s+skip=(.*\S.*)", self.info.strip())
        return match.group(1) if match else None

    @property
    def excerpt(self) -> str | None:
        match = re.fullmatch(r"python\s+excerpt=(\S+)", self.info.strip())
        return match.group(1) if match else None

    @property
    def python(self) -> bool:
        return self.info.split()[:1] == ["python"]


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


def runnable_pages() -> list[Path]:
    """Pages with a block to run or a test file to run with pytest."""
    return [page for page in PAGES if any(b.runs or _is_test(b.file) for b in blocks(page))]


def _is_test(file: str | None) -> bool:
    return file is not None and Path(file).name.startswith("test_") and file.endswith(".py")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_python_fence_says_whether_it_runs(page: Path) -> None:
    unclear = [
        f"{page.name}:{b.line - 1}: ```{b.info}"
        for b in blocks(page)
        if b.python and not (b.runs or b.file or b.excerpt or b.skip_reason)
    ]
    assert not unclear, (
        "a python fence is ```python (runs), ```python file=NAME.py (a module of the page),"
        " ```python excerpt=PATH (a part of a repository file) or ```python skip=REASON"
        " (shown only):\n" + "\n".join(unclear)
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_excerpt_is_a_part_of_its_file(page: Path) -> None:
    for block in blocks(page):
        if block.excerpt is None:
            continue
        source = ROOT / block.excerpt
        assert source.is_file(), f"{page.name}:{block.line - 1}: no file {block.excerpt}"
        assert block.code in source.read_text(), (
            f"{page.name}:{block.line - 1}: the excerpt differs from {block.excerpt}:"
            " copy the file's code"
        )


@pytest.mark.parametrize("page", runnable_pages(), ids=lambda p: p.name)
def test_every_python_block_of_the_page_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = blocks(page)
    files: dict[str, str] = {}
    for block in found:
        if block.file is not None:
            files[block.file] = files.get(block.file, "") + block.code + "\n"
    for file, code in files.items():
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / file).write_text(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    module = types.ModuleType(f"docs_{page.stem}")
    module.__file__ = str(page)
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for file in files:  # the page's own modules, fresh for each page
        if file.endswith(".py"):
            monkeypatch.delitem(sys.modules, file.removesuffix(".py"), raising=False)
    exec(compile(program(page, found), str(page), "exec"), module.__dict__)

    tests = sorted(f for f in files if _is_test(f))
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
    assert [b.python for b in found] == [True, True, False]
    assert program(page, found).splitlines()[3] == "x = 1"


def test_a_fence_says_how_it_is_used(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "```python skip=a signature\nf(x, *, y)\n```\n"
        "```python excerpt=examples/quickstart.py\nx\n```\n"
        "```text file=a.sync\nsync A\n```\n"
        "```python skip=\n```\n"
        "```python run\n```\n"
    )
    skip, excerpt, sync_file, no_reason, typo = blocks(page)
    assert skip.skip_reason == "a signature" and not skip.runs
    assert excerpt.excerpt == "examples/quickstart.py" and not excerpt.runs
    assert sync_file.file == "a.sync" and not sync_file.python
    for unclear in (no_reason, typo):
        assert unclear.python
        assert not (unclear.runs or unclear.file or unclear.excerpt or unclear.skip_reason)


def test_a_failing_block_reports_the_page_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# T\n\n```python\nok = 1\nraise ValueError('from the page')\n```\n")
    with pytest.raises(ValueError, match="from the page") as caught:
        exec(compile(program(page, blocks(page)), str(page), "exec"), {})
    assert caught.traceback[-1].lineno + 1 == 5

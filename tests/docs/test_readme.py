"""The README shows what the code does: its quickstart is the example's code, its output real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.docs.test_examples import blocks

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
QUICKSTART = ROOT / "examples" / "quickstart.py"


def _run(args: list[str], cwd: Path) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _shell_session(command: str) -> tuple[str, str]:
    """The README's block showing ``$ COMMAND`` and the lines it prints (up to the next ``$``)."""
    for block in blocks(README):
        lines = block.code.splitlines()
        if f"$ {command}" in lines:
            after = lines[lines.index(f"$ {command}") + 1 :]
            shown = [line for line in after if not line.startswith("$ ")]
            return block.code, "\n".join(shown) + "\n"
    raise AssertionError(f"the README shows no `$ {command}`")


def test_the_readme_shows_the_quickstart_file() -> None:
    # That the excerpt is the file's code is test_examples' excerpt test.
    excerpts = [b.excerpt for b in blocks(README) if b.excerpt]
    assert excerpts[:1] == ["examples/quickstart.py"]


def test_the_readme_shows_what_quickstart_and_trace_print(tmp_path: Path) -> None:
    block, shown = _shell_session("accord trace 5 --db quickstart.db")
    assert "$ python examples/quickstart.py" in block
    _run([str(QUICKSTART)], tmp_path)
    printed = _run(["-m", "accord.cli", "trace", "5", "--db", "quickstart.db"], tmp_path)
    assert printed == shown


def test_the_readme_names_the_commands_that_start_with_make() -> None:
    first = re.search(r"```\n(.*?)```", README.read_text(), re.DOTALL)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make demo", "make test"]


CORE = ["src/accord/engine/*.py", "src/accord/sync/__init__.py", "src/accord/sync/model.py"]
CORE += ["src/accord/sync/dsl.py", "src/accord/concept.py", "src/accord/store/base.py"]


def test_the_readme_states_the_runtime_cores_size() -> None:
    counted = sum(len(p.read_text().splitlines()) for g in CORE for p in ROOT.glob(g))
    stated = re.search(r"readable in one sitting: ([\d,]+) lines", README.read_text())
    assert stated, "the README states the runtime core's line count"
    figure = int(stated.group(1).replace(",", ""))
    # Within a tenth: edits to the engine need not touch the README, a new layout must.
    assert abs(figure - counted) <= counted / 10, f"README says {figure}, `wc -l` counts {counted}"


def test_the_readme_says_where_each_piece_lives() -> None:
    table = README.read_text().split("## How it fits together")[1].split("\n## ")[0]
    for path in re.findall(r"`(src/accord/[^`]*)`", table):
        assert (ROOT / path).exists(), f"the README's table names {path}, which does not exist"

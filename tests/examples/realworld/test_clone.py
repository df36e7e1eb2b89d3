"""A clone of the repository with nothing beside it runs the RealWorld tests: the repository
stands on its own (no file outside it is read)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.examples.realworld.support import ROOT

pytestmark = pytest.mark.slow


def test_a_lone_clone_passes_the_realworld_tests(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: nothing to clone")
    # Committed work only, as a user gets it; the clone sits alone in an empty folder.
    clone = tmp_path / "alone" / "accord"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    assert sorted(p.name for p in clone.parent.iterdir()) == ["accord"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(clone / "src"), str(clone)]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/examples/realworld",
            "--deselect",
            "tests/examples/realworld/test_clone.py",
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout.splitlines()[-1]
    # The clone's own modules were the ones tested, not this checkout's.
    assert str(ROOT / "src") not in done.stdout

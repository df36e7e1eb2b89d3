"""The console mounted in an AccordServer: prefixes are checked when the server is built."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.web.console.conftest import settings

from accord import App
from accord.concepts.requesting import Requesting
from accord.web.console import create_console
from accord.web.server import AccordServer


@pytest.mark.parametrize("prefix", ["_accord", "/_accord/", "/", "//x"])
def test_a_mount_prefix_must_be_an_absolute_path_without_a_trailing_slash(
    prefix: str, tmp_path: Path
) -> None:
    console = create_console(settings(tmp_path / "app.db", prefix="/_accord"))
    app = App([Requesting(["GET /ping"])], [])
    with pytest.raises(ValueError, match="start it with '/' and end it without one"):
        AccordServer(app, mounts={prefix: console})

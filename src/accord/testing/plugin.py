"""The accord pytest plugin (registered through the ``pytest11`` entry point).

Define an ``accord_app`` fixture returning your :class:`~accord.App`, then use:

* ``accord_engine``: a started engine on a fresh database file, deterministic by default;
* ``check_flow``: ``check_flow(flow_id)`` gives fluent assertions over the flow's records;
* ``scripted``: ``scripted(task, [answer, faults.timeout(), ...])`` scripts a task's models
  until the test ends;
* ``llm_cassette``: records the test's real provider calls once and replays them afterwards
  (``tests/.../cassettes/<module>/<test>.yaml``; replay only when ``CI`` is set).

Real model requests are forbidden in tests by default (``ACCORD_FORBID_REAL_MODELS=1``); pass
``--accord-allow-real-models`` or mark a test ``@pytest.mark.real_models`` to lift it.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import pytest
import pytest_asyncio

from accord.app import App
from accord.engine import Engine
from accord.testing.flows import FlowCheck
from accord.testing.flows import check_flow as _check_flow
from accord.testing.scripting import Scripted
from accord.testing.scripting import scripted as _scripted

if TYPE_CHECKING:
    from accord.testing.replay import Cassette, RecordMode

FORBID_ENV = "ACCORD_FORBID_REAL_MODELS"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("accord")
    group.addoption(
        "--accord-allow-real-models",
        action="store_true",
        help="let tests send requests to real LLM providers (forbidden by default)",
    )
    group.addoption(
        "--accord-record-mode",
        choices=["once", "none", "new_episodes", "all"],
        default=None,
        help="record mode of llm_cassette (default: none when CI is set, else once)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "real_models: this test may send requests to real LLM providers"
    )
    config.addinivalue_line(
        "markers", "llm_cassette(path): the cassette file of this test, relative to its module"
    )


@pytest.fixture(autouse=True)
def _accord_forbid_real_models(request: pytest.FixtureRequest) -> Iterator[None]:
    allowed = request.config.getoption("--accord-allow-real-models") or (
        request.node.get_closest_marker("real_models") is not None
    )
    previous = os.environ.get(FORBID_ENV)
    os.environ[FORBID_ENV] = "0" if allowed else "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(FORBID_ENV, None)
        else:
            os.environ[FORBID_ENV] = previous


@pytest.fixture
def accord_db(tmp_path: Path) -> Path:
    """A fresh database file for one test."""
    return tmp_path / "accord.db"


@pytest.fixture
def accord_app() -> App:
    """Override in your conftest.py to return the app under test."""
    raise pytest.UsageError(
        "define an `accord_app` fixture returning your accord.App to use accord_engine"
    )


@pytest_asyncio.fixture
async def accord_engine(accord_app: App, accord_db: Path) -> AsyncIterator[Engine]:
    """The app running on a fresh database, in deterministic mode."""
    engine = Engine(accord_app, accord_db, deterministic=True, poll_interval=0.05)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@pytest.fixture
def check_flow(accord_engine: Engine) -> Callable[[int], FlowCheck]:
    """``check_flow(flow)``: assertions over a flow of ``accord_engine``."""

    def check(flow: int) -> FlowCheck:
        return _check_flow(accord_engine.records(flow), accord_engine.app)

    return check


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    """``scripted(task, [steps], *fallback_scripts)``: the task answers from scripts until the
    test ends (see `accord.testing.scripted`)."""
    active: list[Scripted] = []

    def script(
        task: Any, steps: Iterable[Any], *fallbacks: Iterable[Any], **options: bool
    ) -> Scripted:
        active.append(_scripted(task, steps, *fallbacks, **options))
        return active[-1]

    try:
        yield script
    finally:
        for applied in reversed(active):
            applied.restore()


def _cassette_path(request: pytest.FixtureRequest) -> Path:
    module = Path(str(request.node.path))
    marker = request.node.get_closest_marker("llm_cassette")
    if marker is not None and marker.args:
        return module.parent / str(marker.args[0])
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    return module.parent / "cassettes" / module.stem / f"{name}.yaml"


@pytest.fixture
def llm_cassette(request: pytest.FixtureRequest) -> Iterator[Cassette]:
    """Record this test's HTTP requests to its cassette once, then replay them."""
    # Imported here: vcrpy is a test extra, and the plugin loads in every pytest run.
    from accord.testing.replay import llm_cassette as _llm_cassette

    mode = cast("RecordMode | None", request.config.getoption("--accord-record-mode"))
    with _llm_cassette(_cassette_path(request), record_mode=mode) as cassette:
        yield cassette

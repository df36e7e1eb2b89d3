"""`accord check APP` on real folders and modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app as accord_cli
from accord.loading import AppLoadError, load_app
from accord.sync.text import SyncSyntaxError

HERE = Path(__file__).parent
REPO = HERE.parents[1]

BROKEN_OUTPUT = """\
error: examples/broken/typo.sync:4:17: unexpected '['; expected ':'
    Inbox/receive [ message: ?m ] => []
                  ^
error: sync Greet, when 1 (Inbox/recieve): unknown action 'recieve' of Inbox. Fix: did you mean 'receive'? Actions of Inbox: receive
  at examples/broken/unknown.sync:5:3
error: sync Greet, then 1 (Mailer/send): unknown concept 'Mailer'. Fix: Concepts of this app: Customers, Extracting, Inbox
  at examples/broken/unknown.sync:8:3
error: examples/broken/customers.py:7: concept module customers (defines Customers) imports inbox (defines Inbox). Fix: concepts never import each other: pass ids, and connect them with a sync
error: sync store_customer, then 1 (Customers/add): unknown input 'custmer'. Fix: did you mean 'customer'? Inputs of Customers/add: customer, record
  at examples/broken/syncs.py:18
error: sync never_fires, when 1 (Extracting/extract): output keys error, output fit no single case of Extracting/extract, so this sync can never fire. Fix: match the keys of one case: Extracted (attempts, output) or Error (error)
  at examples/broken/syncs.py:31
error: sync never_fires, then 1 (Customers/add): variable ?note is never bound. Fix: did you mean '?out'? Bind it in when or in an earlier where clause. Bound here: ?e, ?m, ?out
  at examples/broken/syncs.py:31
error: sync CountAttempts, when 1 (Extracting/extract): output 'attempts' is declared int, but "three" does not fit: Input should be a valid integer, unable to parse string as an integer. Fix: match a value of type int, or use a variable
  at examples/broken/broken.sync:12
error: sync CountAttempts, where 1: variable ?n in filter(?n > 2) is never bound. Fix: bind it in when or in an earlier where clause. Bound here: ?m
  at examples/broken/broken.sync:12
error: sync CountAttempts, then 1 (Customers/add): variable ?n is never bound. Fix: bind it in when or in an earlier where clause. Bound here: ?m
  at examples/broken/broken.sync:12
error: sync Welcome, then 1 (Customers/add): missing required input 'record'. Fix: add `record: ...` to the call. Inputs of Customers/add: customer, record
  at examples/broken/broken.sync:23
warning: sync RetryEcho, then 1 (Extracting/extract): sync cycle RetryEcho -> RetryEcho (RetryEcho invokes Extracting/extract, which RetryEcho matches). Fix: make sure the cycle ends (a when literal or a where filter that stops it); the per-flow step budget halts a runaway flow
  at examples/broken/broken.sync:3
11 errors, 1 warning (3 concepts, 6 syncs checked)
"""  # noqa: E501


def test_check_reports_every_problem_of_the_broken_example_and_exits_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(accord_cli, ["check", "examples/broken"])
    assert result.exit_code == 1
    assert result.output == BROKEN_OUTPUT


def test_check_passes_a_clean_app_in_both_notations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)
    result = CliRunner().invoke(accord_cli, ["check", "clean_app"])
    assert result.output == "0 errors, 0 warnings (2 concepts, 2 syncs checked)\n"
    assert result.exit_code == 0


def test_check_runs_as_a_module_in_a_fresh_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accord.cli", "check", "examples/broken"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == BROKEN_OUTPUT


def test_check_of_a_missing_app_says_what_to_pass(tmp_path: Path) -> None:
    result = CliRunner().invoke(accord_cli, ["check", "no_such_module_here"])
    assert result.exit_code == 2
    assert result.output == (
        "error: cannot load no_such_module_here: cannot import 'no_such_module_here' (No module "
        "named 'no_such_module_here'); pass an importable module (pkg.mod or pkg.mod:app), a .py "
        "file, a package-style app folder or a folder of concepts and syncs\n"
    )


def test_load_app_collects_concepts_and_syncs_of_a_folder() -> None:
    app = load_app(str(HERE / "clean_app"))
    assert sorted(c.name for c in app.concepts) == ["Billing", "Orders"]
    assert sorted(s.name for s in app.syncs) == ["RefundFailedCharge", "charge_order"]


def test_load_app_raises_the_first_syntax_error_of_a_folder() -> None:
    with pytest.raises(SyncSyntaxError, match=r"typo.sync:4:17: unexpected '\['; expected ':'"):
        load_app(str(REPO / "examples" / "broken"))


def test_load_app_from_a_module_exposing_an_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "tinyapp").mkdir()
    (tmp_path / "tinyapp" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "tinyapp" / "main.py").write_text(
        "from typing_extensions import TypedDict\n"
        "from accord import App, Concept, action\n\n"
        "class Done(TypedDict):\n    ok: bool\n\n"
        "class Tiny(Concept):\n"
        "    @action\n"
        "    def go(self) -> Done:\n"
        "        return {'ok': True}\n\n"
        "app = App(concepts=[Tiny()])\n"
        "other = App()\n"
        "not_an_app = 3\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert [c.name for c in load_app("tinyapp.main").concepts] == ["Tiny"]
    assert load_app("tinyapp.main:other").concepts == []
    with pytest.raises(AppLoadError) as info:
        load_app("tinyapp.main:not_an_app")
    assert str(info.value) == (
        "tinyapp.main.not_an_app must be an accord.App (got int); define "
        "`not_an_app = App(concepts=[...], syncs=[...])` or pass module:name"
    )
    result = CliRunner().invoke(accord_cli, ["check", "tinyapp/main.py"])
    assert (result.exit_code, result.output) == (
        0,
        "0 errors, 0 warnings (1 concept, 0 syncs checked)\n",
    )


def test_an_app_module_failing_to_import_is_reported_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "crashing.py").write_text("raise RuntimeError('no config')\n", encoding="utf-8")
    result = CliRunner().invoke(accord_cli, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: cannot load {tmp_path}: importing {tmp_path / 'crashing'}.py failed: "
        "RuntimeError: no config\n"
    )


def test_a_file_inside_a_package_loads_under_its_dotted_name(tmp_path: Path) -> None:
    package = tmp_path / "pkgfile" / "inner"
    package.mkdir(parents=True)
    (tmp_path / "pkgfile" / "__init__.py").write_text("", encoding="utf-8")
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "concepts.py").write_text(
        "from typing_extensions import TypedDict\n"
        "from accord import Concept, action\n\n"
        "class Done(TypedDict):\n    ok: bool\n\n"
        "class Inner(Concept):\n"
        "    @action\n"
        "    def go(self) -> Done:\n"
        "        return {'ok': True}\n",
        encoding="utf-8",
    )
    (package / "main.py").write_text(
        "from accord import App\nfrom pkgfile.inner.concepts import Inner\n\n"
        "app = App(concepts=[Inner()])\n",
        encoding="utf-8",
    )
    app = load_app(str(package / "main.py"))
    assert [type(c).__module__ for c in app.concepts] == ["pkgfile.inner.concepts"]


TINY_CONCEPT = (
    "from typing_extensions import TypedDict\n"
    "from accord import Concept, action\n\n"
    "class Done(TypedDict):\n    ok: bool\n\n"
    "class Tiny(Concept):\n"
    "    @action\n"
    "    def go(self) -> Done:\n"
    "        return {'ok': True}\n"
)


def test_a_package_style_app_folder_loads_the_app_of_its_app_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "shopapp"
    (package / "concepts").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "concepts" / "__init__.py").write_text(TINY_CONCEPT, encoding="utf-8")
    (package / "app.py").write_text(
        "from accord import App\nfrom .concepts import Tiny\n\n"
        "app = App(concepts=[Tiny()])\nsmall = App()\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    assert [type(c).__module__ for c in load_app("shopapp").concepts] == ["shopapp.concepts"]
    assert load_app(f"{package}:small").concepts == []
    result = CliRunner().invoke(accord_cli, ["check", "shopapp/"])
    assert (result.exit_code, result.output) == (
        0,
        "0 errors, 0 warnings (1 concept, 0 syncs checked)\n",
    )


def test_a_package_exposing_the_app_itself_needs_no_app_module(tmp_path: Path) -> None:
    package = tmp_path / "initapp"
    package.mkdir()
    (package / "__init__.py").write_text(
        TINY_CONCEPT + "\nfrom accord import App\napp = App(concepts=[Tiny()])\n", encoding="utf-8"
    )
    assert [c.name for c in load_app(str(package)).concepts] == ["Tiny"]


def test_a_package_without_an_app_says_where_to_define_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "emptyapp").mkdir()
    (tmp_path / "emptyapp" / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(AppLoadError) as info:
        load_app("emptyapp")
    assert str(info.value) == (
        "emptyapp.app must be an accord.App (it has none, and the package has no app module); "
        "define `app = App(concepts=[...], syncs=[...])` in emptyapp/app.py or pass folder:name"
    )


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "nowhere/app.py",
            "no file or folder nowhere/app.py; pass an importable module (pkg.mod or "
            "pkg.mod:app), a .py file, a package-style app folder or a folder of concepts and "
            "syncs",
        ),
        (
            "notes.txt",
            "notes.txt is not a Python file; pass an importable module (pkg.mod or pkg.mod:app), "
            "a .py file, a package-style app folder or a folder of concepts and syncs",
        ),
        (
            "plain:app",
            "plain:app: a folder of concepts takes no ':name' (it has no __init__.py); pass just "
            "the folder",
        ),
        ("exploding", "importing exploding failed: RuntimeError: no config"),
    ],
)
def test_every_bad_app_is_one_line_naming_the_fix(
    spec: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "plain").mkdir()
    (tmp_path / "exploding.py").write_text("raise RuntimeError('no config')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    with pytest.raises(AppLoadError) as info:
        load_app(spec)
    assert str(info.value) == message
    result = CliRunner().invoke(accord_cli, ["check", spec])
    assert (result.exit_code, result.output) == (2, f"error: cannot load {spec}: {message}\n")


@pytest.mark.parametrize("app", ["examples.intake.app:app", "examples.realworld.app:app"])
def test_the_bundled_examples_pass_every_check(app: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(accord_cli, ["check", app])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1].startswith("0 errors")

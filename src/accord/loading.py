"""Loading an app from the command line's APP argument: the one loader every command uses.

An APP is one of

* ``pkg.mod`` or ``pkg.mod:name``: an importable module exposing an :class:`~accord.app.App`
  (``app`` unless named); the current directory is importable, as with ``python -m``;
* ``path/to/file.py`` or ``path/to/file.py:name``: the same, from a file (a file inside
  packages is imported under its dotted name, from above its top package);
* ``path/to/folder``: a folder of concept modules, Python syncs and ``.sync`` files;
* ``path/to/package`` or ``path/to/package:name``: a package-style app folder (it has an
  ``__init__.py``) whose package, or whose ``app`` module, exposes the App.

Every problem is an :class:`AppLoadError` (or the ``.sync`` file's own :class:`SyncSyntaxError`
or :class:`SyncCheckError`) with a one-line message naming what was wrong and what to pass.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from accord.app import App
from accord.checks.diagnostics import Diagnostic, SyncCheckError
from accord.concept import Concept
from accord.sync.model import Sync
from accord.sync.text.parser import SyncSyntaxError, parse_with_diagnostics

__all__ = [
    "APP_FORMS",
    "AppLoadError",
    "LoadedApp",
    "load_app",
    "load_app_for_check",
    "module_name",
    "shown",
]

APP_FORMS = (
    "an importable module (pkg.mod or pkg.mod:app), a .py file, a package-style app folder "
    "or a folder of concepts and syncs"
)
"""What an APP argument may be, for help texts and error messages."""


class AppLoadError(Exception):
    """An app could not be loaded (missing module, no ``app``, a concept that cannot start)."""


@dataclass
class LoadedApp:
    """An app as ``accord check`` sees it: the app, the sources to check for independence, and
    the problems found while loading (.sync syntax errors, names that did not resolve)."""

    app: App
    sources: list[Path]
    problems: list[SyncSyntaxError | Diagnostic]


def load_app(target: str) -> App:
    """Load an app from any APP form (see the module's docstring).

    A folder of concepts is imported module by module (the folder is put on ``sys.path``):
    every :class:`Concept` subclass defined there that declares actions or queries is
    instantiated without arguments, every module-level :class:`Sync` is collected, and every
    ``.sync`` file is parsed against those concepts.
    Raises :class:`AppLoadError`, :class:`SyncSyntaxError` or :class:`SyncCheckError`.
    """
    loaded = load_app_for_check(target)
    for problem in loaded.problems:
        if isinstance(problem, SyncSyntaxError):
            raise problem
    diagnostics = [p for p in loaded.problems if isinstance(p, Diagnostic)]
    if diagnostics:
        raise SyncCheckError(diagnostics)
    return loaded.app


def load_app_for_check(target: str) -> LoadedApp:
    """Like :func:`load_app`, but returns the problems of ``.sync`` files instead of raising."""
    path_part, _, attr = target.partition(":")
    path = Path(path_part)
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    if path.is_dir():
        if (path / "__init__.py").is_file():
            return _load_package(path, attr or "app")
        if attr:
            raise AppLoadError(
                f"{target}: a folder of concepts takes no ':name' (it has no __init__.py); "
                "pass just the folder"
            )
        return _load_folder(path)
    if path.is_file() or path_part.endswith(".py") or "/" in path_part or "\\" in path_part:
        if not path.exists():
            raise AppLoadError(f"no file or folder {path_part}; pass {APP_FORMS}")
        if path.suffix != ".py":
            raise AppLoadError(f"{path_part} is not a Python file; pass {APP_FORMS}")
        file = path.resolve()
        module = _import_from(_root_of(file), module_name(file), file)
    else:
        module = _import_module(path_part)
    return _loaded(module, _app_of(module, attr or "app"))


def module_name(path: Path) -> str:
    """The dotted name a Python file imports under: its stem below the packages it sits in."""
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _root_of(file: Path) -> Path:
    """The folder to import ``file`` from: the one above its top package."""
    root = file.parent
    for _ in range(module_name(file).count(".") + (file.name == "__init__.py")):
        root = root.parent
    return root


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise AppLoadError(f"cannot import {name!r} ({exc}); pass {APP_FORMS}") from None
    except Exception as exc:  # the app's own code failed while importing
        raise AppLoadError(f"importing {name} failed: {type(exc).__name__}: {exc}") from exc


def _import_from(folder: Path, name: str, file: Path) -> ModuleType:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    top = name.partition(".")[0]
    existing = sys.modules.get(top)
    if existing is not None:
        origin = getattr(existing, "__file__", None)
        if origin is None or not Path(origin).resolve().is_relative_to(folder):
            # another folder's module of the same name: forget it and its submodules
            for loaded in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
                del sys.modules[loaded]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise AppLoadError(f"cannot import {name} from {folder}: {exc}") from None
    except Exception as exc:  # the app's own code failed while importing
        raise AppLoadError(f"importing {file} failed: {type(exc).__name__}: {exc}") from exc


def _app_of(module: ModuleType, name: str) -> App:
    app = getattr(module, name, None)
    if not isinstance(app, App):
        found = f"got {type(app).__name__}" if app is not None else "it has none"
        raise AppLoadError(
            f"{module.__name__}.{name} must be an accord.App ({found}); "
            f"define `{name} = App(concepts=[...], syncs=[...])` or pass module:name"
        )
    return app


def _loaded(module: ModuleType, app: App) -> LoadedApp:
    sources = _concept_sources(app)
    file = getattr(module, "__file__", None)
    if file is not None:
        sources.append(Path(file).parent if Path(file).name == "__init__.py" else Path(file))
    return LoadedApp(app, sources, [])


def _load_package(folder: Path, name: str) -> LoadedApp:
    """A package-style app folder: the App is the package's ``name``, or its app module's."""
    init = (folder / "__init__.py").resolve()
    package = _import_from(_root_of(init), module_name(init), init)
    app = getattr(package, name, None)
    if isinstance(app, App):
        return _loaded(package, app)
    submodule = f"{package.__name__}.app"
    if importlib.util.find_spec(submodule) is None:
        raise AppLoadError(
            f"{package.__name__}.{name} must be an accord.App (it has none, and the package "
            f"has no app module); define `{name} = App(concepts=[...], syncs=[...])` in "
            f"{shown(init.parent / 'app.py')} or pass folder:name"
        )
    module = _import_from(_root_of(init), submodule, init.parent / "app.py")
    loaded = _loaded(module, _app_of(module, name))
    loaded.sources.append(init.parent)
    return loaded


def _load_folder(folder: Path) -> LoadedApp:
    folder = folder.resolve()
    concepts: list[Concept] = []
    syncs: list[Sync] = []
    classes: list[type[Concept]] = []
    for file in sorted(folder.glob("*.py")):
        module = _import_from(folder, file.stem, file)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Concept)
                and value.__module__ == module.__name__
                and (value.actions or value.queries)
                and value not in classes
            ):
                classes.append(value)
            elif isinstance(value, Sync):
                syncs.append(value)
    for cls in classes:
        try:
            concepts.append(cls())
        except Exception as exc:
            raise AppLoadError(
                f"cannot create concept {cls.__name__} with no arguments ({exc}); give its "
                "__init__ defaults, or expose an App from a module and pass module:app"
            ) from exc
    problems: list[SyncSyntaxError | Diagnostic] = []
    for file in sorted(folder.rglob("*.sync")):
        try:
            parsed, diagnostics = parse_with_diagnostics(
                file.read_text(encoding="utf-8"), concepts, filename=shown(file)
            )
        except SyncSyntaxError as exc:
            problems.append(exc)
            continue
        syncs += parsed
        problems += diagnostics
    try:
        app = App(concepts=concepts, syncs=syncs)
    except ValueError as exc:
        raise AppLoadError(f"{folder}: {exc}") from None
    return LoadedApp(app, [folder], problems)


def _concept_sources(app: App) -> list[Path]:
    sources: list[Path] = []
    for concept in app.concepts:
        module = sys.modules.get(type(concept).__module__)
        file = getattr(module, "__file__", None)
        if file is not None and Path(file) not in sources:
            sources.append(Path(file))
    return sources

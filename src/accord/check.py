"""Checking an app before it runs: loading it, concept independence, sync diagnostics.

* :func:`check_independence` reads source files (no import) and reports every concept module
  that imports another concept module, or a concept class from one.
* :func:`load_app` builds an :class:`~accord.app.App` from a module exposing ``app`` or from a
  folder of concept modules, Python syncs and ``.sync`` files.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

from accord.app import App
from accord.concept import Concept
from accord.sync._diagnostics import Diagnostic, SyncCheckError
from accord.sync.model import Sync
from accord.sync.text import SyncSyntaxError, parse_with_diagnostics

__all__ = [
    "AppLoadError",
    "IndependenceViolation",
    "LoadedApp",
    "check_independence",
    "load_app",
    "load_app_for_check",
]

INDEPENDENCE_FIX = "concepts never import each other: pass ids, and connect them with a sync"


# -- independence ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndependenceViolation:
    """A concept module importing another concept module (or a concept class from one)."""

    path: str
    line: int
    module: str
    concepts: tuple[str, ...]  # concept classes the importing module defines
    imported: str  # the imported module
    imported_concepts: tuple[str, ...]
    severity: Literal["error"] = "error"
    fix: str = INDEPENDENCE_FIX

    @property
    def message(self) -> str:
        return (
            f"concept module {self.module} (defines {', '.join(self.concepts)}) imports "
            f"{self.imported} (defines {', '.join(self.imported_concepts)})"
        )

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}. Fix: {self.fix}"


@dataclass
class _Module:
    name: str
    path: Path
    tree: ast.Module
    is_package: bool
    classes: dict[str, list[ast.expr]] = field(default_factory=dict)  # class -> bases
    concepts: set[str] = field(default_factory=set)  # Concept subclasses defined here
    exported: dict[str, str] = field(default_factory=dict)  # concept class name -> its module
    imports: list[tuple[int, str, str | None]] = field(default_factory=list)  # line, module, name


def check_independence(
    paths_or_modules: Iterable[str | Path | ModuleType],
) -> list[IndependenceViolation]:
    """Statically find concept modules that import other concept modules.

    Accepts files, folders (searched recursively) and modules (objects or dotted names).
    Module names follow the packages (folders with ``__init__.py``) the files sit in.
    """
    modules: dict[str, _Module] = {}
    for path in _python_files(paths_or_modules):
        source = path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source, filename=str(path))
        except SyntaxError:
            continue  # importing it reports the syntax error better than we can
        name = _module_name(path)
        modules[name] = _Module(name, path, tree, path.name == "__init__.py")
    for module in modules.values():
        _collect(module)
    _mark_concepts(modules)
    violations: list[IndependenceViolation] = []
    for module in sorted(modules.values(), key=lambda m: m.name):
        if not module.concepts:
            continue
        for line, target, imported_name in module.imports:
            hit = _concept_import(modules, target, imported_name)
            if hit is not None and hit.name != module.name:
                violations.append(
                    IndependenceViolation(
                        _shown(module.path),
                        line,
                        module.name,
                        tuple(sorted(module.concepts)),
                        hit.name,
                        tuple(sorted(hit.concepts)),
                    )
                )
    return violations


def _python_files(items: Iterable[str | Path | ModuleType]) -> Iterator[Path]:
    seen: set[Path] = set()
    for item in items:
        if isinstance(item, ModuleType):
            file = getattr(item, "__file__", None)
            if file is None:
                continue
            path = Path(file)
            if path.name == "__init__.py":
                path = path.parent
        elif isinstance(item, str) and not Path(item).exists():
            spec = importlib.util.find_spec(item)
            if spec is None or spec.origin is None:
                raise AppLoadError(f"cannot find module {item!r}; pass a file, folder or module")
            path = Path(spec.origin)
            if path.name == "__init__.py":
                path = path.parent
        else:
            path = Path(item)
        files = sorted(_walk(path)) if path.is_dir() else [path]
        for f in files:
            resolved = f.resolve()
            if resolved not in seen:
                seen.add(resolved)
                yield resolved


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        yield from (Path(root) / f for f in files if f.endswith(".py"))


def _module_name(path: Path) -> str:
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").exists():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts)


def _resolve_relative(module: _Module, level: int, target: str | None) -> str:
    if level == 0:
        return target or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    base = base[: len(base) - (level - 1)] if level > 1 else base
    return ".".join([*base, target] if target else base)


def _collect(module: _Module) -> None:
    for node in ast.walk(module.tree):
        if isinstance(node, ast.ClassDef):
            module.classes[node.name] = node.bases
        elif isinstance(node, ast.Import):
            for alias in node.names:
                module.imports.append((node.lineno, alias.name, None))
        elif isinstance(node, ast.ImportFrom):
            target = _resolve_relative(module, node.level, node.module)
            for alias in node.names:
                module.imports.append((node.lineno, target, alias.name))


def _base_name(base: ast.expr) -> str:
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    if isinstance(base, ast.Subscript):  # Generic-style bases: Base[T]
        return _base_name(base.value)
    return ""


def _mark_concepts(modules: dict[str, _Module]) -> None:
    """Find Concept subclasses (directly, through local bases, or through imported bases)."""
    changed = True
    while changed:
        changed = False
        for module in modules.values():
            imported_concepts = {}
            for _, target, name in module.imports:
                if name is None:
                    continue
                source = modules.get(target)
                if source is not None and name in source.exported:
                    imported_concepts[name] = source.exported[name]
            for cls, bases in module.classes.items():
                if cls in module.concepts:
                    continue
                names = {_base_name(b) for b in bases}
                if "Concept" in names or names & (module.concepts | set(imported_concepts)):
                    module.concepts.add(cls)
                    module.exported[cls] = module.name
                    changed = True
            for name, origin in imported_concepts.items():
                if name not in module.exported:
                    module.exported[name] = origin  # re-exported, e.g. from a package __init__
                    changed = True


def _concept_import(modules: dict[str, _Module], target: str, name: str | None) -> _Module | None:
    """The concept module an import reaches, if any."""
    if name is not None and f"{target}.{name}" in modules:
        sub = modules[f"{target}.{name}"]
        if sub.concepts:
            return sub
    module = modules.get(target)
    if module is None:
        return None
    if module.concepts:
        return module
    if name is not None and name in module.exported:
        return modules.get(module.exported[name])
    return None


# -- loading apps ------------------------------------------------------------------------------


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
    """Load an app from ``pkg.mod``, ``pkg.mod:name``, ``path/file.py[:name]`` or a folder.

    A module must expose an :class:`App` (``app`` unless named). A folder is imported module by
    module (the folder is put on ``sys.path``): every :class:`Concept` subclass defined there
    that declares actions or queries is instantiated without arguments, every module-level
    :class:`Sync` is collected, and every ``.sync`` file is parsed against those concepts.
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
    if path.is_dir():
        if attr:
            raise AppLoadError(f"{target}: a folder takes no ':name'; pass just the folder")
        return _load_folder(path)
    if path_part.endswith(".py"):
        if not path.is_file():
            raise AppLoadError(f"no file {path_part}; pass a module path, a .py file or a folder")
        # A file inside packages imports under its dotted name, from above the top package.
        dotted = _module_name(path.resolve())
        root = path.resolve().parent
        for _ in range(dotted.count(".")):
            root = root.parent
        module = _import_from(root, dotted)
    else:
        if str(Path.cwd()) not in sys.path:
            sys.path.insert(0, str(Path.cwd()))
        try:
            module = importlib.import_module(path_part)
        except ModuleNotFoundError as exc:
            raise AppLoadError(
                f"cannot import {path_part!r} ({exc}); pass an importable module (pkg.mod or "
                "pkg.mod:app), a .py file or a folder of concepts and syncs"
            ) from None
    name = attr or "app"
    app = getattr(module, name, None)
    if not isinstance(app, App):
        found = f"got {type(app).__name__}" if app is not None else "it has none"
        raise AppLoadError(
            f"{module.__name__}.{name} must be an accord.App ({found}); "
            f"define `{name} = App(concepts=[...], syncs=[...])` or pass module:name"
        )
    sources = _concept_sources(app)
    file = getattr(module, "__file__", None)
    if file is not None:
        sources.append(Path(file).parent if Path(file).name == "__init__.py" else Path(file))
    return LoadedApp(app, sources, [])


def _import_from(folder: Path, name: str) -> ModuleType:
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    top = name.partition(".")[0]
    existing = sys.modules.get(top)
    if existing is not None:
        file = getattr(existing, "__file__", None)
        if file is None or not Path(file).resolve().is_relative_to(folder):
            # another folder's module of the same name: forget it and its submodules
            for loaded in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
                del sys.modules[loaded]
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise AppLoadError(f"cannot import {name} from {folder}: {exc}") from None
    except Exception as exc:  # the app's own code failed while importing
        raise AppLoadError(
            f"importing {folder / name}.py failed: {type(exc).__name__}: {exc}"
        ) from exc


def _load_folder(folder: Path) -> LoadedApp:
    folder = folder.resolve()
    concepts: list[Concept] = []
    syncs: list[Sync] = []
    classes: list[type[Concept]] = []
    for file in sorted(folder.glob("*.py")):
        module = _import_from(folder, file.stem)
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
                file.read_text(encoding="utf-8"), concepts, filename=_shown(file)
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


def _shown(path: Path) -> str:
    """A path relative to the working directory when it is below it (shorter messages)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _concept_sources(app: App) -> list[Path]:
    sources: list[Path] = []
    for concept in app.concepts:
        module = sys.modules.get(type(concept).__module__)
        file = getattr(module, "__file__", None)
        if file is not None and Path(file) not in sources:
            sources.append(Path(file))
    return sources

"""Concept independence: no concept module imports another concept module.

:func:`check_independence` reads source files (it imports nothing) and reports every concept
module that imports another concept module, or a concept class from one.
"""

from __future__ import annotations

import ast
import importlib.util
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Literal

from accord.loading import AppLoadError, module_name, shown

__all__ = ["INDEPENDENCE_FIX", "IndependenceViolation", "check_independence"]

INDEPENDENCE_FIX = "concepts never import each other: pass ids, and connect them with a sync"


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
        name = module_name(path)
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
                        shown(module.path),
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

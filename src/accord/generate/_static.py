"""The checks of a candidate module that need no running: it parses, and imports only what a
concept may use."""

from __future__ import annotations

import ast
import sys

__all__ = ["static_problems"]

ALLOWED_ACCORD = {"accord", "accord.concept", "accord.state", "accord.migrations"}
ALLOWED_THIRD_PARTY = {"pydantic", "typing_extensions", "annotated_types"}
# Standard library modules a concept has no business with: the network, processes, files
# outside its database, and ways around these rules.
FORBIDDEN_STDLIB = {
    "asyncio": "the network (open_connection) and processes",
    "builtins": "a way around these rules",
    "ctypes": "a way around these rules",
    "ftplib": "the network",
    "glob": "the filesystem",
    "http": "the network",
    "imaplib": "the network",
    "importlib": "a way around these rules",
    "io": "the filesystem",
    "mmap": "the filesystem",
    "multiprocessing": "processes",
    "os": "the filesystem and processes",
    "pathlib": "the filesystem",
    "poplib": "the network",
    "shutil": "the filesystem",
    "signal": "processes",
    "smtplib": "the network",
    "socket": "the network",
    "socketserver": "the network",
    "sqlite3": "a database other than its own state",
    "ssl": "the network",
    "subprocess": "processes",
    "sys": "a way around these rules",
    "tempfile": "the filesystem",
    "threading": "threads outside the engine",
    "urllib": "the network",
    "webbrowser": "the network",
    "xmlrpc": "the network",
}
FORBIDDEN_CALLS = {
    "open": "the filesystem",
    "exec": "dynamic code",
    "eval": "dynamic code",
    "compile": "dynamic code",
    "__import__": "dynamic imports",
    "breakpoint": "a debugger",
}


def _import_problem(module: str, line: int) -> str | None:
    top = module.split(".")[0]
    if top == "accord":
        if module in ALLOWED_ACCORD:
            return None
        return (
            f"line {line}: imports {module}; a concept uses only accord's concept API "
            f"({', '.join(sorted(ALLOWED_ACCORD))}), never another concept or the engine"
        )
    if top in ALLOWED_THIRD_PARTY:
        return None
    if top in FORBIDDEN_STDLIB:
        return f"line {line}: imports {module}, which reaches {FORBIDDEN_STDLIB[top]}"
    if top in sys.stdlib_module_names or top == "__future__":
        return None
    return (
        f"line {line}: imports {module}, which is neither the standard library, Pydantic nor "
        "accord's concept API"
    )


def static_problems(source: str) -> list[str]:
    """Why a candidate module is refused before it runs (empty when it may run)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return [f"syntax error at line {exc.lineno}: {exc.msg}"]
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                problem = _import_problem(alias.name, node.lineno)
                if problem:
                    problems.append(problem)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                problems.append(f"line {node.lineno}: a relative import; the module stands alone")
            else:
                problem = _import_problem(node.module or "", node.lineno)
                if problem:
                    problems.append(problem)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in FORBIDDEN_CALLS
        ):
            problems.append(
                f"line {node.lineno}: calls {node.func.id}(), which reaches "
                f"{FORBIDDEN_CALLS[node.func.id]}"
            )
    return problems

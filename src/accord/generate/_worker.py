"""Run in a separate, limited process: load a candidate module and judge it against its spec.

``python -m accord.generate._worker MODULE.py SPEC.md NAME MEMORY_MB`` prints one JSON list of
failures (empty: accepted) on its last line of output.
"""

from __future__ import annotations

import importlib.util
import json
import resource
import socket
import sys
from pathlib import Path
from typing import Any

from accord.checks.specs import compare
from accord.checks.sql import check_state_access
from accord.concept import Concept
from accord.specs import SpecError, parse_spec, run_principle
from accord.testing.principles import PrincipleViolation


def _no_network(*args: Any, **kwargs: Any) -> Any:
    raise PermissionError("a generated concept may not use the network")


def judge(module_path: Path, spec_path: Path, name: str) -> list[str]:
    (spec,) = [
        s
        for s in parse_spec(spec_path.read_text(encoding="utf-8"), str(spec_path))
        if s.name == name
    ]
    module_spec = importlib.util.spec_from_file_location(module_path.stem, module_path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_path.stem] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        return [f"importing the module raised {type(exc).__name__}: {exc}"]
    found = [
        v
        for v in vars(module).values()
        if isinstance(v, type)
        and issubclass(v, Concept)
        and v is not Concept
        and getattr(v, "name", "") == name
    ]
    if not found:
        return [f"the module defines no Concept subclass named {name}"]
    cls = found[0]
    failures = [m.message for m in compare(cls, spec)]
    try:
        concept = cls()
    except Exception as exc:
        return [*failures, f"{name}() raised {type(exc).__name__}: {exc}"]
    failures += [f"line {v.line}: {v.message}" for v in check_state_access([concept])]
    if failures:
        return failures
    try:
        run_principle(concept, spec)
    except PrincipleViolation as exc:
        failures.append("the operational principle fails: " + " ".join(str(exc).split()))
    except SpecError as exc:
        failures.append(str(exc))
    except Exception as exc:
        failures.append(f"running the principle raised {type(exc).__name__}: {exc}")
    return failures


def main() -> None:
    module, spec, name, memory_mb = sys.argv[1:5]
    limit = int(memory_mb) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    # Connecting is refused (asyncio's own socketpair still works): a network call through any
    # module fails the candidate even if it slipped past the import check.
    socket.socket.connect = _no_network  # type: ignore[method-assign]
    socket.socket.connect_ex = _no_network  # type: ignore[method-assign]
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network
    failures = judge(Path(module), Path(spec), name)
    print(json.dumps(failures))


if __name__ == "__main__":
    main()

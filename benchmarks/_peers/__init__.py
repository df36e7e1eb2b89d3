"""Workloads the engine benchmark compares accord against (same shape of work, same durability).

Importing this package also removes ``benchmarks/`` from ``sys.path``: ``python
benchmarks/engine.py`` puts that directory first, where a sibling script (``benchmarks/http.py``)
would shadow a standard module for everything imported later (httpx, LangGraph, DBOS). This
package and its modules are found through the package itself from then on.
"""

import sys
from pathlib import Path

_BENCHMARKS = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != _BENCHMARKS]

"""Testing support: flow assertions, operational principles, scripted models and faults,
record/replay of provider calls, validation tests and Hypothesis strategies, and the pytest
plugin.

``llm_cassette`` needs vcrpy and the strategies need Hypothesis (both in the ``test`` extra);
they are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accord.testing import faults
from accord.testing.flows import FlowAssertionError, FlowCheck, check_flow
from accord.testing.principles import PrincipleViolation, principle
from accord.testing.scripting import Scripted, scripted
from accord.testing.validation import OutputCheck, ValidationReport, check_recorded_outputs

if TYPE_CHECKING:
    from accord.testing.replay import Cassette, llm_cassette
    from accord.testing.strategies import Variant, malformed_variants, valid_instances

__all__ = [
    "Cassette",
    "FlowAssertionError",
    "FlowCheck",
    "OutputCheck",
    "PrincipleViolation",
    "Scripted",
    "ValidationReport",
    "Variant",
    "check_flow",
    "check_recorded_outputs",
    "faults",
    "llm_cassette",
    "malformed_variants",
    "principle",
    "scripted",
    "valid_instances",
]

_LAZY = {
    "Cassette": "accord.testing.replay",
    "llm_cassette": "accord.testing.replay",
    "Variant": "accord.testing.strategies",
    "malformed_variants": "accord.testing.strategies",
    "valid_instances": "accord.testing.strategies",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'accord.testing' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)

"""Drift detection: profile an LLM task's behaviour, store it as a baseline, compare windows.

See docs/drift.md. The usual entry points are :func:`take_baseline` and :func:`check_drift`
(with :func:`render_table` and :func:`write_html` for the report); the statistics layer
(:func:`compare_profiles` and friends) works on any :class:`Observations`.

Names are imported on first use (NumPy, SciPy and matplotlib take seconds to load), so
importing ``accord.cli.drift`` for ``accord --help`` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from accord.drift._api import DriftReport, check_drift, take_baseline
    from accord.drift._baseline import Baseline, list_baselines, load_baseline, save_baseline
    from accord.drift._html import render_html, write_html
    from accord.drift._model import (
        Categorical,
        CategoricalProfile,
        FieldKind,
        NumericProfile,
        Observations,
        Profile,
        RateProfile,
    )
    from accord.drift._sqlite_source import OutputField
    from accord.drift._stats import (
        FieldResult,
        Thresholds,
        compare_categorical,
        compare_numeric,
        compare_profiles,
        compare_rate,
    )
    from accord.drift._table import render_table

_WHERE = {
    "DriftReport": "_api",
    "check_drift": "_api",
    "take_baseline": "_api",
    "Baseline": "_baseline",
    "list_baselines": "_baseline",
    "load_baseline": "_baseline",
    "save_baseline": "_baseline",
    "render_html": "_html",
    "write_html": "_html",
    "Categorical": "_model",
    "CategoricalProfile": "_model",
    "FieldKind": "_model",
    "NumericProfile": "_model",
    "Observations": "_model",
    "Profile": "_model",
    "RateProfile": "_model",
    "OutputField": "_sqlite_source",
    "FieldResult": "_stats",
    "Thresholds": "_stats",
    "compare_categorical": "_stats",
    "compare_numeric": "_stats",
    "compare_profiles": "_stats",
    "compare_rate": "_stats",
    "render_table": "_table",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'accord.drift' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"accord.drift.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "Baseline",
    "Categorical",
    "CategoricalProfile",
    "DriftReport",
    "FieldKind",
    "FieldResult",
    "NumericProfile",
    "Observations",
    "OutputField",
    "Profile",
    "RateProfile",
    "Thresholds",
    "check_drift",
    "compare_categorical",
    "compare_numeric",
    "compare_profiles",
    "compare_rate",
    "list_baselines",
    "load_baseline",
    "render_html",
    "render_table",
    "save_baseline",
    "take_baseline",
    "write_html",
]

"""Drift detection: profile an LLM task's behaviour, store it as a baseline, compare windows.

See docs/drift.md. The usual entry points are :func:`take_baseline` and :func:`check_drift`
(with :func:`render_table` and :func:`write_html` for the report); the statistics layer
(:func:`compare_profiles` and friends) works on any :class:`Observations`.
"""

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

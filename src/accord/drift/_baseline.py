"""Baselines: a named, stored :class:`Profile` plus how its output fields were read."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ValidationError

from accord.drift._model import CategoricalProfile, NumericProfile, Profile, RateProfile
from accord.drift._schema import BASELINES_DDL
from accord.drift._sqlite_source import OutputField, Transform, connect


@dataclass(frozen=True)
class Baseline:
    """The reference behaviour of one LLM task, stored by ``name``."""

    name: str
    task: str
    created_at: float
    window: str
    profile: Profile
    output_fields: tuple[OutputField, ...]
    skipped: Mapping[str, str]
    max_sample: int | None
    seed: int

    def to_json(self) -> str:
        return _to_doc(self).model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> Baseline:
        return _from_doc(_BaselineDoc.model_validate_json(text))


class _RateDoc(BaseModel):
    count: int
    n: int


class _NumericDoc(BaseModel):
    n: int
    mean: float | None
    std: float | None
    q25: float | None
    median: float | None
    q75: float | None
    minimum: float | None
    maximum: float | None
    sample: list[float]


class _FieldDoc(BaseModel):
    key: str
    transform: Transform


class _BaselineDoc(BaseModel):
    format: Literal[1] = 1
    name: str
    task: str
    created_at: float
    window: str
    n: int
    max_sample: int | None
    seed: int
    rates: dict[str, _RateDoc]
    categorical: dict[str, dict[str, int]]
    numeric: dict[str, _NumericDoc]
    output_fields: list[_FieldDoc]
    skipped: dict[str, str]


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else x


def _nan(x: float | None) -> float:
    return math.nan if x is None else x


def _to_doc(b: Baseline) -> _BaselineDoc:
    p = b.profile
    return _BaselineDoc(
        name=b.name,
        task=b.task,
        created_at=b.created_at,
        window=b.window,
        n=p.n,
        max_sample=b.max_sample,
        seed=b.seed,
        rates={k: _RateDoc(count=r.count, n=r.n) for k, r in p.rates.items()},
        categorical={k: dict(c.counts) for k, c in p.categorical.items()},
        numeric={
            k: _NumericDoc(
                n=v.n,
                mean=_opt(v.mean),
                std=_opt(v.std),
                q25=_opt(v.q25),
                median=_opt(v.median),
                q75=_opt(v.q75),
                minimum=_opt(v.minimum),
                maximum=_opt(v.maximum),
                sample=v.sample.tolist(),
            )
            for k, v in p.numeric.items()
        },
        output_fields=[_FieldDoc(key=f.key, transform=f.transform) for f in b.output_fields],
        skipped=dict(b.skipped),
    )


def _from_doc(d: _BaselineDoc) -> Baseline:
    profile = Profile(
        n=d.n,
        rates={k: RateProfile(r.count, r.n) for k, r in d.rates.items()},
        categorical={k: CategoricalProfile(c) for k, c in d.categorical.items()},
        numeric={
            k: NumericProfile(
                n=v.n,
                mean=_nan(v.mean),
                std=_nan(v.std),
                q25=_nan(v.q25),
                median=_nan(v.median),
                q75=_nan(v.q75),
                minimum=_nan(v.minimum),
                maximum=_nan(v.maximum),
                sample=np.asarray(v.sample, dtype=np.float64),
            )
            for k, v in d.numeric.items()
        },
    )
    return Baseline(
        name=d.name,
        task=d.task,
        created_at=d.created_at,
        window=d.window,
        profile=profile,
        output_fields=tuple(OutputField(f.key, f.transform) for f in d.output_fields),
        skipped=d.skipped,
        max_sample=d.max_sample,
        seed=d.seed,
    )


def save_baseline(db_path: str | Path, baseline: Baseline) -> None:
    """Store ``baseline`` in the ``drift_baselines`` table, replacing one of the same name."""
    with connect(db_path, write=True) as conn, conn:
        conn.execute(BASELINES_DDL)
        conn.execute(
            "INSERT OR REPLACE INTO drift_baselines (name, task, created_at, body) "
            "VALUES (?, ?, ?, ?)",
            (baseline.name, baseline.task, baseline.created_at, baseline.to_json()),
        )


def list_baselines(db_path: str | Path) -> list[tuple[str, str, float]]:
    """``(name, task, created_at)`` of every stored baseline, by name."""
    with connect(db_path) as conn:
        try:
            rows = conn.execute(
                "SELECT name, task, created_at FROM drift_baselines ORDER BY name"
            ).fetchall()
        except conn.OperationalError:
            return []
    return [(str(a), str(b), float(c)) for a, b, c in rows]


def load_baseline(db_path: str | Path, name: str) -> Baseline:
    """The stored baseline called ``name``; a clear error lists the known names otherwise."""
    with connect(db_path) as conn:
        try:
            row = conn.execute(
                "SELECT body FROM drift_baselines WHERE name = ?", (name,)
            ).fetchone()
        except conn.OperationalError:
            row = None
    if row is None:
        known = ", ".join(n for n, _, _ in list_baselines(db_path)) or "none"
        raise LookupError(
            f"no drift baseline named {name!r} in {db_path} (stored: {known}); "
            "create one with `accord drift baseline --name NAME`"
        )
    try:
        return Baseline.from_json(str(row[0]))
    except ValidationError as exc:
        raise ValueError(f"stored baseline {name!r} is unreadable: {exc}") from exc

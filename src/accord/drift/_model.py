"""Column-oriented observations and the profiles (summaries) built from them."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

FieldKind = Literal["rate", "categorical", "numeric"]

#: Numeric values kept per field in a stored baseline (uniform sample, fixed seed).
DEFAULT_MAX_SAMPLE = 10_000
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Categorical:
    """The values of a categorical field as integer codes into ``categories``."""

    codes: NDArray[np.int32]
    categories: tuple[str, ...]

    @classmethod
    def from_values(cls, values: Iterable[str]) -> Categorical:
        vals = values if isinstance(values, list) else list(values)
        # Counter and map() over a bound method run in C: ~0.2 s per million values.
        index = {v: i for i, v in enumerate(Counter(vals))}
        codes = np.fromiter(map(index.__getitem__, vals), dtype=np.int32, count=len(vals))
        return cls(codes, tuple(index))

    def __len__(self) -> int:
        return int(self.codes.size)

    def counts(self) -> dict[str, int]:
        """Value -> count, most frequent first."""
        tally = np.bincount(self.codes, minlength=len(self.categories))
        order = np.argsort(-tally, kind="stable")
        return {self.categories[i]: int(tally[i]) for i in order if tally[i] > 0}

    def relabel(self, mapping: Mapping[str, str]) -> Categorical:
        """Rename categories (codes unchanged); names that become equal are merged."""
        return Categorical.from_codes(self.codes, tuple(mapping.get(c, c) for c in self.categories))

    @classmethod
    def from_codes(cls, codes: NDArray[np.int32], labels: Sequence[str]) -> Categorical:
        uniq = tuple(dict.fromkeys(labels))
        remap = np.array([uniq.index(lab) for lab in labels], dtype=np.int32)
        return cls(remap[codes] if len(uniq) < len(labels) else codes, uniq)


@dataclass(frozen=True)
class Observations:
    """One task's LLM calls, one column per field.

    ``n`` is the number of calls. ``flags`` holds one boolean per call for each rate
    (``schema_failure``, ``repair``, ...). ``categorical`` and ``numeric`` hold the
    *non-missing* values of each field, so their lengths may be below ``n`` (output fields
    exist only on successful calls).
    """

    n: int
    flags: Mapping[str, NDArray[np.bool_]] = field(default_factory=dict)
    categorical: Mapping[str, Categorical] = field(default_factory=dict)
    numeric: Mapping[str, NDArray[np.float64]] = field(default_factory=dict)

    @classmethod
    def from_columns(
        cls,
        n: int,
        *,
        flags: Mapping[str, ArrayLike] | None = None,
        categorical: Mapping[str, Sequence[str] | Categorical] | None = None,
        numeric: Mapping[str, ArrayLike] | None = None,
    ) -> Observations:
        """Build observations from plain columns, checking their shapes and values."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        fl: dict[str, NDArray[np.bool_]] = {}
        for name, col in (flags or {}).items():
            arr = np.asarray(col, dtype=bool)
            if arr.shape != (n,):
                raise ValueError(f"flag column {name!r} has shape {arr.shape}, expected ({n},)")
            fl[name] = arr
        nums: dict[str, NDArray[np.float64]] = {}
        for name, ncol in (numeric or {}).items():
            vals = np.asarray(ncol, dtype=np.float64).ravel()
            nums[name] = vals[np.isfinite(vals)]
        cats: dict[str, Categorical] = {}
        for name, ccol in (categorical or {}).items():
            cats[name] = ccol if isinstance(ccol, Categorical) else Categorical.from_values(ccol)
            bad = next((v for v in cats[name].categories if not isinstance(v, str)), None)
            if bad is not None:
                raise ValueError(
                    f"categorical column {name!r} holds {bad!r}; convert values to str "
                    "and leave missing values out"
                )
        overlap = (set(fl) & set(cats)) | (set(fl) & set(nums)) | (set(cats) & set(nums))
        if overlap:
            raise ValueError(f"field names used by more than one kind: {sorted(overlap)}")
        return cls(n=n, flags=fl, categorical=cats, numeric=nums)


@dataclass(frozen=True)
class RateProfile:
    """How many of ``n`` calls had the flag set."""

    count: int
    n: int

    @property
    def rate(self) -> float:
        return self.count / self.n if self.n else math.nan


@dataclass(frozen=True)
class CategoricalProfile:
    """Value counts of a categorical field (``n`` = number of non-missing values)."""

    counts: Mapping[str, int]

    @property
    def n(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class NumericProfile:
    """Summary of a numeric field plus a sorted sample of its values.

    ``n``, ``mean``, ``std`` and the quantiles describe every value seen; ``sample`` holds
    all of them or, in a stored baseline, a uniform random subset of at most
    ``DEFAULT_MAX_SAMPLE``.
    """

    n: int
    mean: float
    std: float
    q25: float
    median: float
    q75: float
    minimum: float
    maximum: float
    sample: NDArray[np.float64]

    @classmethod
    def from_values(
        cls, values: NDArray[np.float64], *, max_sample: int | None, seed: int
    ) -> NumericProfile:
        v = np.asarray(values, dtype=np.float64)
        if v.size == 0:
            nan = math.nan
            return cls(0, nan, nan, nan, nan, nan, nan, nan, np.empty(0))
        q25, med, q75 = (float(x) for x in np.percentile(v, [25, 50, 75]))
        if max_sample is not None and v.size > max_sample:
            # Equivalent in distribution to reservoir sampling, and vectorised.
            idx = np.random.default_rng(seed).choice(v.size, size=max_sample, replace=False)
            sample = np.sort(v[idx])
        else:
            sample = np.sort(v)
        return cls(
            n=int(v.size),
            mean=float(v.mean()),
            std=float(v.std(ddof=1)) if v.size > 1 else 0.0,
            q25=q25,
            median=med,
            q75=q75,
            minimum=float(v.min()),
            maximum=float(v.max()),
            sample=sample,
        )

    @property
    def iqr(self) -> float:
        return self.q75 - self.q25


@dataclass(frozen=True)
class Profile:
    """The behaviour of one task over a set of observations."""

    n: int
    rates: Mapping[str, RateProfile]
    categorical: Mapping[str, CategoricalProfile]
    numeric: Mapping[str, NumericProfile]

    @classmethod
    def from_observations(
        cls,
        obs: Observations,
        *,
        max_sample: int | None = DEFAULT_MAX_SAMPLE,
        seed: int = DEFAULT_SEED,
    ) -> Profile:
        """Summarise ``obs``; ``max_sample=None`` keeps every numeric value."""
        return cls(
            n=obs.n,
            rates={k: RateProfile(int(np.count_nonzero(v)), obs.n) for k, v in obs.flags.items()},
            categorical={k: CategoricalProfile(v.counts()) for k, v in obs.categorical.items()},
            numeric={
                k: NumericProfile.from_values(v, max_sample=max_sample, seed=seed)
                for k, v in obs.numeric.items()
            },
        )

    def kind_of(self, name: str) -> FieldKind | None:
        if name in self.rates:
            return "rate"
        if name in self.categorical:
            return "categorical"
        if name in self.numeric:
            return "numeric"
        return None

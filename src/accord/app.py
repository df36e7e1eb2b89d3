"""An application: the concepts and syncs that run together on one engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from accord.concept import Concept
from accord.sync.model import Sync

__all__ = ["App"]


@dataclass
class App:
    """Concept instances and the syncs between them.

    ``accord check``, ``accord serve`` and the engine take an App; a module exposes one as a
    module-level variable named ``app``.
    """

    concepts: list[Concept] = field(default_factory=list)
    syncs: list[Sync] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [c.name for c in self.concepts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"concept names must be unique; repeated: {', '.join(duplicates)}")

    def concept(self, name: str) -> Concept:
        """The concept instance called ``name``."""
        for c in self.concepts:
            if c.name == name:
                return c
        known = ", ".join(c.name for c in self.concepts) or "(none)"
        raise KeyError(f"no concept {name!r} in this app; concepts: {known}")

    def add(self, *items: Concept | Sync | Iterable[Sync]) -> App:
        """Add concepts and syncs; returns self for chaining."""
        for item in items:
            if isinstance(item, Concept):
                self.concepts.append(item)
            elif isinstance(item, Sync):
                self.syncs.append(item)
            else:
                self.syncs.extend(item)
        self.__post_init__()
        return self

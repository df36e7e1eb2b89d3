"""Types shared by concepts: importing this module couples nothing (it defines no concept)."""

from __future__ import annotations

from typing_extensions import TypedDict


class Placed(TypedDict):
    order: str
    total: int

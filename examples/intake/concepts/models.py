"""ModelChain: the extraction tasks to try, in order, one per model (configured per run)."""

from __future__ import annotations

from collections.abc import Sequence

from typing_extensions import TypedDict

from accord import Concept, query

__all__ = ["ChainRow", "ModelChain"]


class ChainRow(TypedDict):
    position: int
    task: str
    model: str


class ModelChain(Concept):
    """An ordered list of (task, model); syncs walk it to fall back to the next model."""

    schema = (
        """CREATE TABLE IF NOT EXISTS model_chain (
            position INTEGER PRIMARY KEY, task TEXT NOT NULL, model TEXT NOT NULL
        )""",
    )

    def __init__(self, links: Sequence[tuple[str, str]]) -> None:
        if not links:
            raise ValueError("ModelChain needs at least one (task, model), e.g. local:smollm2")
        self.links = tuple(links)

    def setup(self) -> None:
        # The chain is this run's configuration: a restart with other --model flags replaces it.
        self.db.execute("DELETE FROM model_chain")
        self.db.executemany(
            "INSERT INTO model_chain (position, task, model) VALUES (?, ?, ?)",
            [(i, task, model) for i, (task, model) in enumerate(self.links)],
        )

    @query
    def first(self) -> list[ChainRow]:
        """The task to try first (one row)."""
        return [_row(r) for r in self.db.all("SELECT * FROM model_chain ORDER BY position LIMIT 1")]

    @query
    def next(self, after: str) -> list[ChainRow]:
        """The task that follows task ``after`` (no row when it is the last)."""
        rows = self.db.all(
            "SELECT * FROM model_chain WHERE position > "
            "(SELECT MIN(position) FROM model_chain WHERE task = ?) ORDER BY position LIMIT 1",
            (after,),
        )
        return [_row(r) for r in rows]


def _row(row: dict[str, object]) -> ChainRow:
    return ChainRow(
        position=int(str(row["position"])), task=str(row["task"]), model=str(row["model"])
    )

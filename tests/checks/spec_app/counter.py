from typing_extensions import TypedDict

from accord import Concept, action, query


class Counted(TypedDict):
    name: str


class Total(TypedDict):
    n: int


class Counter(Concept):
    """Counts, with a spec that disagrees with the code (for the check's test).

    # concept Counter

    ## purpose
    Count named things.

    ## state
    - counter_counts(name, n)

    ## actions
    - count(name: str, by: str) -> {name: str}

    ## queries
    - total(name: str) -> [{n: int}]

    ## principle
    after count(name="a", by=1)
    then total(name="a") gives [{"n": 2}]
    """

    schema = ("CREATE TABLE IF NOT EXISTS counter_counts (name TEXT PRIMARY KEY, n INTEGER)",)

    @action
    def count(self, name: str, by: int) -> Counted:
        self.db.execute(
            "INSERT INTO counter_counts VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET n = n + ?",
            (name, by, by),
        )
        return {"name": name}

    @query
    def total(self, name: str) -> list[Total]:
        return self.db.all("SELECT n FROM counter_counts WHERE name = ?", (name,))  # type: ignore[return-value]

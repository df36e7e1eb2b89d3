from typing_extensions import TypedDict

from accord import Concept, action, query


class Counted(TypedDict):
    name: str


class Total(TypedDict):
    n: int


class Tally(Concept):
    """Counts, with a spec that disagrees with the code (its principle is wrong).

    # concept Tally

    ## purpose
    Count named things.

    ## state
    - tally_counts(name, n)

    ## actions
    - count(name: str, by: int) -> {name: str}

    ## queries
    - total(name: str) -> [{n: int}]

    ## principle
    after count(name="a", by=1)
    then total(name="a") gives [{"n": 2}]
    """

    schema = ("CREATE TABLE IF NOT EXISTS tally_counts (name TEXT PRIMARY KEY, n INTEGER)",)

    @action
    def count(self, name: str, by: int) -> Counted:
        self.db.execute(
            "INSERT INTO tally_counts VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET n = n + ?",
            (name, by, by),
        )
        return {"name": name}

    @query
    def total(self, name: str) -> list[Total]:
        return self.db.all("SELECT n FROM tally_counts WHERE name = ?", (name,))  # type: ignore[return-value]

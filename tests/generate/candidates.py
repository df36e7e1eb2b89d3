"""Candidate modules a scripted model answers with: one correct, and one per refusal reason."""

CORRECT = """
from typing_extensions import TypedDict

from accord import Concept, Error, action, error, query


class Bumped(TypedDict):
    name: str
    n: int


class Total(TypedDict):
    n: int


class Counter(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS counter_counts (name TEXT PRIMARY KEY, n INTEGER)",)

    @action
    def bump(self, name: str, by: int) -> Bumped | Error:
        if by <= 0:
            return error("not_positive", f"bump by {by}")
        self.db.execute(
            "INSERT INTO counter_counts VALUES (?, ?) "
            "ON CONFLICT(name) DO UPDATE SET n = n + excluded.n",
            (name, by),
        )
        row = self.db.one("SELECT n FROM counter_counts WHERE name = ?", (name,))
        return {"name": name, "n": 0 if row is None else int(row["n"])}

    @query
    def total(self, name: str) -> list[Total]:
        return self.db.all("SELECT n FROM counter_counts WHERE name = ?", (name,))
"""


def fenced(code: str) -> str:
    return f"Here is the module:\n```python\n{code.strip()}\n```\n"


SYNTAX_ERROR = CORRECT.replace(
    "def bump(self, name: str, by: int)", "def bump(self, name: str, by: int"
)
OTHER_CONCEPT = CORRECT.replace(
    "from accord import", "from accord.concepts.reviewing import Reviewing\nfrom accord import"
)
NETWORK = CORRECT.replace(
    "        if by <= 0:",
    "        urllib.request.urlopen('http://example.com/count')\n        if by <= 0:",
).replace("from typing_extensions", "import urllib.request\nfrom typing_extensions")
MISSING_ACTION = CORRECT.replace("    @action\n    def bump", "    def bump")
WRONG_SIGNATURE = (
    CORRECT.replace("by: int) -> Bumped", "by: str) -> Bumped")
    .replace("if by <= 0", "if int(by) <= 0")
    .replace("(name, by)", "(name, int(by))")
)
WRONG_PRINCIPLE = CORRECT.replace("SET n = n + excluded.n", "SET n = excluded.n")
OTHER_TABLE = CORRECT.replace(
    '"SELECT n FROM counter_counts WHERE name = ?", (name,))\n\n    @query',
    '"SELECT n FROM counter_counts WHERE name = ?", (name,))\n\n    @query',
).replace(
    'return self.db.all("SELECT n FROM counter_counts WHERE name = ?", (name,))',
    'return self.db.all("SELECT COUNT(*) AS n FROM review_items WHERE subject = ?", (name,))',
)
ENDLESS = CORRECT.replace(
    "        if by <= 0:", "        while True:\n            pass\n        if by <= 0:"
)

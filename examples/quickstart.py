"""Two concepts, three syncs: the README's example, runnable (`python examples/quickstart.py`)."""

import asyncio

from typing_extensions import TypedDict

from accord import App, Clauses, Concept, Var, action, sync, where
from accord.engine import Engine


class Count(TypedDict):
    count: int


class Nothing(TypedDict):
    pass


class Button(Concept):
    @action
    def click(self, name: str) -> Nothing:
        return {}


class Counter(Concept):
    schema = ("CREATE TABLE IF NOT EXISTS counts (name TEXT PRIMARY KEY, n INTEGER)",)

    @action
    def increment(self, name: str) -> Count:
        self.db.execute(
            "INSERT INTO counts VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET n = n + 1", (name,)
        )
        return {"count": self.db.one("SELECT n FROM counts WHERE name = ?", (name,))["n"]}

    @action
    def reset(self, name: str) -> Count:
        self.db.execute("UPDATE counts SET n = 0 WHERE name = ?", (name,))
        return {"count": 0}


@sync
def click_increments(name: Var) -> Clauses:
    return Clauses(when=[Button.click(name=name)], then=[Counter.increment(name=name)])


@sync
def reset_at_three(name: Var, n: Var) -> Clauses:
    return Clauses(
        when=[Counter.increment(name=name).out(count=n)],
        where=[where(lambda n: n >= 3, n)],
        then=[Counter.reset(name=name)],
    )


@sync
def double_click_resets(name: Var) -> Clauses:
    return Clauses(
        when=[Button.click(name="double"), Counter.increment(name=name)],
        then=[Counter.reset(name=name)],
    )


app = App([Button(), Counter()], [click_increments, reset_at_three, double_click_resets])


async def main() -> None:
    async with Engine(app, "quickstart.db") as engine:
        for _ in range(3):
            root = await engine.invoke(Button.click, name="likes")
        await engine.idle()
        for record in engine.records(root.flow):
            print(record.name, record.input, "=>", record.output, "by", record.sync or "you")


if __name__ == "__main__":
    asyncio.run(main())

"""check_recorded_outputs: every recorded reply in a folder, parsed and validated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from accord.llm import Prompt, Task
from accord.testing import check_recorded_outputs


class Person(BaseModel):
    name: str
    age: int = Field(ge=0)


def recorded(folder: Path) -> Path:
    (folder / "nested").mkdir(parents=True)
    (folder / "good.json").write_text('{"name": "Ada", "age": 36}')
    (folder / "fenced.txt").write_text('Here you go:\n```json\n{"name": "Bo", "age": 5,}\n```')
    (folder / "nested" / "negative.txt").write_text('{"name": "Cy", "age": -1}')
    lines = [
        json.dumps('{"name": "Di", "age": 7}'),  # a reply stored as a JSON string
        json.dumps({"raw": "{'name': 'Ed', 'age': 8}", "model": "m"}),  # an attempt record
        '{"name": "Flo"}',  # the reply itself, missing age
        "",
        "I cannot help with that.",  # not JSON at all
    ]
    (folder / "replies.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "notes.md").write_text("not a recorded output")
    return folder


def test_every_reply_is_checked_and_failures_name_file_and_field(tmp_path: Path) -> None:
    report = check_recorded_outputs(Person, recorded(tmp_path / "rec"))
    assert [c.source for c in report.checks] == [
        "fenced.txt",
        "good.json",
        "nested/negative.txt",
        "replies.jsonl:1",
        "replies.jsonl:2",
        "replies.jsonl:3",
        "replies.jsonl:5",
    ]
    assert [c.source for c in report.failures] == [
        "nested/negative.txt",
        "replies.jsonl:3",
        "replies.jsonl:5",
    ]
    assert [c.source for c in report.repaired] == ["fenced.txt", "replies.jsonl:2"]
    assert not report.ok
    summary = report.summary()
    assert "7 recorded outputs" in summary and "3 invalid" in summary
    assert "nested/negative.txt:\n  - age: Input should be greater than or equal to 0" in summary
    assert "replies.jsonl:3:\n  - name" not in summary
    assert "replies.jsonl:3:\n  - age: Field required" in summary
    with pytest.raises(AssertionError, match=r"replies\.jsonl:5"):
        report.assert_ok()


def test_a_clean_folder_passes(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"name": "Ada", "age": 36}')
    report = check_recorded_outputs(Person, tmp_path)
    report.assert_ok()
    assert report.ok and len(report.checks) == 1


def test_a_task_brings_its_output_type_and_repair_budget(tmp_path: Path) -> None:
    (tmp_path / "fenced.txt").write_text('```json\n{"name": "Bo", "age": 5,}\n```')
    strict = Task("person", output=Person, prompt=Prompt("{text}", version="v1"), max_repair_cost=0)
    report = check_recorded_outputs(strict, tmp_path)
    assert report.output == "task person"
    assert [c.source for c in report.failures] == ["fenced.txt"]
    assert report.failures[0].errors[0]["type"] == "repair_cost_exceeded"


def test_a_missing_or_empty_folder_is_an_error_not_a_pass(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no folder"):
        check_recorded_outputs(Person, tmp_path / "nope")
    (tmp_path / "readme.md").write_text("x")
    with pytest.raises(ValueError, match=r"holds no recorded outputs \(\.txt, \.json, \.jsonl"):
        check_recorded_outputs(Person, tmp_path)

"""``accord generate concept``, offline: scripted models answer with candidate modules; each
refusal reason is named and sent back to the model, and the correct module is accepted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.generate import GenerationFailed, generate_concept, judge
from accord.llm import ScriptedModel, register_test_model

from . import candidates as c

SPEC = Path(__file__).with_name("counter.spec.md")
ENDLESS_LIMIT = 8.0


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (c.SYNTAX_ERROR, "syntax error at line"),
        (c.OTHER_CONCEPT, "imports accord.concepts.reviewing; a concept uses only accord's"),
        (c.NETWORK, "imports urllib.request, which reaches the network"),
        (c.MISSING_ACTION, "action bump is in the spec but not in the class"),
        (c.WRONG_SIGNATURE, "bump input 'by' is str, the spec says int"),
        (c.WRONG_PRINCIPLE, "the operational principle fails: Counter: Counter/total"),
        (c.OTHER_TABLE, "Counter may not use table review_items"),
        (c.ENDLESS, f"it did not finish within the time limit of {ENDLESS_LIMIT:g} s"),
    ],
    ids=[
        "syntax",
        "other-concept",
        "network",
        "missing-action",
        "signature",
        "principle",
        "other-table",
        "endless-loop",
    ],
)
def test_each_bad_candidate_is_refused_with_its_reason_and_re_asked(
    candidate: str, reason: str, tmp_path: Path
) -> None:
    model = ScriptedModel([c.fenced(candidate), c.fenced(c.CORRECT)])
    # Judging a correct module starts Python and imports accord (seconds on a loaded machine):
    # only the endless candidate gets a tight limit, and it must still leave room for that.
    limit = ENDLESS_LIMIT if candidate is c.ENDLESS else 60.0
    generated = generate_concept(SPEC, model, attempts=2, time_limit=limit)
    first, second = generated.attempts
    assert any(reason in failure for failure in first.failures), first.failures
    assert second.failures == [] and generated.accepted
    # The refusal went back to the model, word for word.
    reask = model.requests[1].messages[-1].content
    assert reason in reask and "That module was refused" in reask


def test_the_correct_module_is_accepted_first_time() -> None:
    assert judge(c.CORRECT, SPEC, "Counter") == []


def test_the_budget_runs_out_with_every_attempt_reported() -> None:
    model = ScriptedModel([c.fenced(c.MISSING_ACTION), c.fenced(c.WRONG_PRINCIPLE)])
    with pytest.raises(GenerationFailed, match="no module for Counter was accepted in 2") as out:
        generate_concept(SPEC, model, attempts=2)
    assert [len(a.failures) > 0 for a in out.value.generated.attempts] == [True, True]


def test_the_command_writes_a_new_module_and_its_record(tmp_path: Path) -> None:
    register_test_model(
        "generate", ScriptedModel([c.fenced(c.NETWORK), c.fenced(c.CORRECT)], name="test:gen")
    )
    target = tmp_path / "counter.py"
    args = ["generate", "concept", str(SPEC), "--model", "test:generate", "--out", str(target)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "attempt 1 refused:" in result.output
    assert "imports urllib.request, which reaches the network" in result.output
    assert f"accepted attempt 2 (40 tokens): wrote {target}" in result.output
    assert target.read_text() == c.CORRECT.strip() + "\n"
    record = json.loads(target.with_suffix(".generation.json").read_text())
    assert record["model"] == "test:gen" and record["accepted"] is True
    assert "The spec:" in record["prompt"] and len(record["attempts"]) == 2
    # Never over existing code.
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2
    assert "exists; generation writes new files only" in again.output

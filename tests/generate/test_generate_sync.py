"""``accord generate sync``, offline: a scripted model answers with candidate syncs; each
refusal (the parser's or the static checks' against the app) goes back to the model word for
word, a correct sync is accepted, and the token budget stops a generation that runs long."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from accord.cli import app as cli
from accord.generate import GenerationFailed, generate_concept, generate_sync, judge_sync
from accord.llm import FunctionModel, ScriptedModel, register_test_model
from accord.llm.messages import Request, Response
from accord.sync.text import parse_syncs

from . import candidates as c
from .shop import app as shop

SENTENCE = "when a charge fails, mail billing@example.com the order id"
SHOP = str(Path(__file__).with_name("shop.py")) + ":app"
SPEC = Path(__file__).with_name("counter.spec.md")

CORRECT = """sync MailOnFailedCharge
when {
  Billing/charge: [ order: ?order ] => [ error: ?e ]
}
then {
  Mail/send: [ to: "billing@example.com" ; text: ?order ]
}
"""
UNKNOWN_ACTION = CORRECT.replace("Mail/send", "Mail/notify")
UNBOUND = CORRECT.replace('to: "billing@example.com"', "to: ?who")
PARSE_ERROR = CORRECT.replace("[ error: ?e ]\n}", "[ error: ?e ]\n")
WRONG_TYPE = CORRECT.replace('"billing@example.com"', "42")
TAKEN_NAME = CORRECT.replace("MailOnFailedCharge", "ChargeOnPlace")


def fenced(text: str) -> str:
    return f"Here it is:\n```sync\n{text}```\n"


def test_a_correct_sync_is_accepted_at_once_and_parses_against_the_app() -> None:
    model = ScriptedModel([fenced(CORRECT)])
    generated = generate_sync(SENTENCE, shop, model)
    assert generated.accepted and len(generated.attempts) == 1
    assert generated.names == ["MailOnFailedCharge"]
    (parsed,) = parse_syncs(generated.output, shop.concepts)
    assert parsed.name == "MailOnFailedCharge"
    # The prompt names what the model may use: the app's actions with their types, its syncs.
    prompt = model.requests[0].messages[0].content
    assert "Billing/charge: [ order: str ; amount: int ] => [ charge: str ]" in prompt
    assert "Existing syncs: ChargeOnPlace" in prompt
    assert SENTENCE in prompt


@pytest.mark.parametrize(
    ("candidate", "reason"),
    [
        (UNKNOWN_ACTION, "unknown action 'notify' of Mail. Fix: Actions of Mail: send"),
        (UNBOUND, "variable ?who is never bound"),
        (PARSE_ERROR, "it does not parse: candidate:"),
        (WRONG_TYPE, "input 'to' is declared str, but 42 does not fit"),
        (TAKEN_NAME, "2 syncs are named 'ChargeOnPlace'"),
    ],
    ids=["unknown-action", "unbound-variable", "parse-error", "wrong-type", "taken-name"],
)
def test_each_bad_sync_is_refused_with_its_reason_and_re_asked(candidate: str, reason: str) -> None:
    assert any(reason in f for f in judge_sync(candidate, shop)[1])
    model = ScriptedModel([fenced(candidate), fenced(CORRECT)])
    generated = generate_sync(SENTENCE, shop, model, attempts=2)
    first, second = generated.attempts
    assert any(reason in failure for failure in first.failures), first.failures
    assert second.failures == [] and generated.accepted
    reask = model.requests[1].messages[-1].content
    assert reason in reask and "That sync was refused" in reask
    # The whole conversation goes back: the prompt, the refused answer, the failures.
    assert [m.role for m in model.requests[1].messages] == ["user", "assistant", "user"]


def test_the_attempt_budget_runs_out_with_a_report() -> None:
    model = ScriptedModel([fenced(UNBOUND), fenced(UNKNOWN_ACTION)])
    with pytest.raises(GenerationFailed, match=r"no sync for .* was accepted in 2") as out:
        generate_sync(SENTENCE, shop, model, attempts=2)
    assert "unknown action 'notify'" in str(out.value)  # the last refusal's reason
    assert len(out.value.generated.attempts) == 2


def test_the_token_budget_stops_the_sync_generation_before_another_request() -> None:
    # Each scripted answer reports 10 input and 10 output tokens.
    model = ScriptedModel([fenced(UNBOUND), fenced(UNBOUND), fenced(CORRECT)])
    with pytest.raises(GenerationFailed, match="token budget of 30 is spent \\(40 used\\)") as out:
        generate_sync(SENTENCE, shop, model, attempts=5, max_tokens=30)
    assert len(model.requests) == 2  # the third request was never sent
    assert [a.tokens for a in out.value.generated.attempts] == [20, 20]


def test_tokens_are_estimated_when_a_model_reports_no_usage() -> None:
    answers = iter([fenced(UNBOUND), fenced(CORRECT)])

    def reply(_: Request) -> Response:
        return Response(next(answers))  # no usage reported

    with pytest.raises(GenerationFailed, match="token budget of 50 is spent"):
        generate_sync(SENTENCE, shop, FunctionModel(reply), attempts=3, max_tokens=50)


def test_the_token_budget_stops_a_concept_generation_too() -> None:
    model = ScriptedModel([c.fenced(c.SYNTAX_ERROR)] * 3 + [c.fenced(c.CORRECT)])
    with pytest.raises(GenerationFailed, match="token budget of 45 is spent \\(60 used\\)") as out:
        generate_concept(SPEC, model, attempts=4, max_tokens=45)
    assert len(out.value.generated.attempts) == 3 and len(model.requests) == 3


def test_the_command_writes_a_new_sync_file_and_its_record(tmp_path: Path) -> None:
    register_test_model(
        "sync-writer", ScriptedModel([fenced(UNBOUND), fenced(CORRECT)], name="test:syncs")
    )
    target = tmp_path / "mail.sync"
    args = ["generate", "sync", SENTENCE, "--app", SHOP, "--model", "test:sync-writer"]
    result = CliRunner().invoke(cli, [*args, "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "attempt 1 refused:" in result.output and "?who is never bound" in result.output
    assert "accepted attempt 2 (40 tokens): wrote MailOnFailedCharge to" in result.output
    assert target.read_text() == CORRECT
    record = json.loads(target.with_suffix(".generation.json").read_text())
    assert record["model"] == "test:syncs" and record["accepted"] is True
    assert record["sentence"] == SENTENCE and SENTENCE in record["prompt"]
    assert [len(a["failures"]) > 0 for a in record["attempts"]] == [True, False]
    again = CliRunner().invoke(cli, [*args, "--out", str(target)])
    assert again.exit_code == 2
    assert "exists; generation writes new files only" in again.output


def test_the_command_reports_a_spent_budget_and_writes_no_sync(tmp_path: Path) -> None:
    register_test_model("sync-loser", ScriptedModel([fenced(UNBOUND)] * 3, name="test:loser"))
    target = tmp_path / "mail.sync"
    args = ["generate", "sync", SENTENCE, "--app", SHOP, "--model", "test:sync-loser"]
    result = CliRunner().invoke(cli, [*args, "--out", str(target), "--max-tokens", "20"])
    assert result.exit_code == 1, result.output
    assert "token budget of 20 is spent (20 used)" in result.output
    assert not target.exists()
    record = json.loads(target.with_suffix(".generation.json").read_text())
    assert record["accepted"] is False and record["tokens"] == 20

"""The parser against the corpus of realistic malformed LLM replies."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from accord.llm.parsing import OutputError, parse

from .corpus import SCHEMAS, Case, load_cases

MIN_RECALL = 0.97


def _outcome(case: Case) -> str:
    """'recovered', 'refused' or 'wrong' (accepted with a value other than expected)."""
    try:
        parsed = parse(case.raw, case.output_type)
    except OutputError:
        return "refused"
    if case.expect == "value" and parsed.value == case.expected_value():
        return "recovered"
    return "wrong"


def test_corpus_is_large_and_covers_every_schema_both_ways() -> None:
    cases = load_cases()
    assert len(cases) >= 400
    assert len({case.id for case in cases}) == len(cases)
    assert all(case.source and case.why for case in cases)
    kinds = Counter((case.schema, case.expect) for case in cases)
    for schema in ("customer", "invoice", "classification", "roster"):
        assert kinds[(schema, "value")] >= 10, schema
        assert kinds[(schema, "refuse")] >= 5, schema
    assert {case.schema for case in cases} <= set(SCHEMAS)


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case.id)
def test_each_corpus_case_is_accepted_with_its_exact_value_or_refused(case: Case) -> None:
    assert _outcome(case) == ("recovered" if case.expect == "value" else "refused"), case.why


def test_corpus_has_zero_false_accepts() -> None:
    false_accepts = [(case.id, case.why) for case in load_cases() if _outcome(case) == "wrong"]
    assert false_accepts == []


def test_corpus_recall_of_recoverable_replies() -> None:
    recoverable = [case for case in load_cases() if case.expect == "value"]
    missed = [(case.id, case.why) for case in recoverable if _outcome(case) != "recovered"]
    recall = 1 - len(missed) / len(recoverable)
    assert recall >= MIN_RECALL, missed


def test_every_recovered_corpus_reply_lists_its_repairs_unless_it_was_valid_json() -> None:
    for case in load_cases():
        if case.expect != "value":
            continue
        parsed = parse(case.raw, case.output_type)
        try:
            json.loads(case.raw)
            was_json = True
        except ValueError:
            was_json = False
        if not was_json:
            assert parsed.repairs, case.id
            assert parsed.cost > 0, case.id


def test_corpus_file_is_what_its_builder_writes() -> None:
    import importlib.util

    from .corpus import CORPUS_FILE

    spec = importlib.util.spec_from_file_location(
        "parser_corpus_build", CORPUS_FILE.with_name("build.py")
    )
    assert spec is not None and spec.loader is not None
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    built = [json.dumps(item, ensure_ascii=False) for item in builder.build()]
    assert CORPUS_FILE.read_text(encoding="utf-8").splitlines() == built

"""Each static check, with its exact message; both notations give the same diagnostics."""

from __future__ import annotations

import pytest

from accord import Clauses, Var, bind, collect, optional, sync, where
from accord.checks.syncs import Diagnostic, SyncCheckError, check, raise_on_errors
from accord.sync.model import ActionCall, Pattern, QueryCall, Sync
from accord.sync.text import parse_syncs

from .domain import CONCEPTS, Alarm, Counter, Extracting, Pager


def messages(*syncs: Sync) -> list[str]:
    return [str(d) for d in check(CONCEPTS, syncs)]


def text_messages(text: str) -> list[str]:
    return messages(*parse_syncs(text, CONCEPTS))


def test_well_formed_syncs_have_no_diagnostics() -> None:
    @sync
    def alarm(name: Var, count: Var, rows: Var, e: Var) -> Clauses:
        return Clauses(
            when=[Counter.increment(name=name).out(count=count)],
            where=[
                where(lambda c: c >= 10, count),
                Counter.by_name(name=name).out(count=count),
                optional(Counter.by_name(name="total").out(count=e)),
                collect(Counter.by_name(name=name), rows),
            ],
            then=[Alarm.ring(name=name, level="high")],
        )

    @sync
    def on_failure(ref: Var, e: Var) -> Clauses:
        return Clauses(
            when=[Extracting.extract(ref=ref).err(e), Counter.increment(name=ref).out()],
            then=[Alarm.ring(name=ref, level="low")],
        )

    assert messages(alarm, on_failure) == []


def test_every_action_may_complete_with_an_error_even_if_it_declares_none() -> None:
    assert (
        text_messages(
            'sync Crash when { Counter/increment: [ name: ?n ] => [ error: [ kind: "internal" ] ] }'
            ' then { Alarm/ring: [ name: ?n ; level: "high" ] }'
        )
        == []
    )


def test_an_unknown_input_suggests_the_closest_and_lists_the_inputs() -> None:
    @sync
    def s(n: Var) -> Clauses:
        return Clauses(
            when=[Counter.increment(nme=n).out()],
            then=[Alarm.ring(name=n, level="low", volume=3)],
        )

    assert messages(s) == [
        "error: sync s, when 1 (Counter/increment): unknown input 'nme'. Fix: did you mean "
        "'name'? Inputs of Counter/increment: name, by (optional)",
        "error: sync s, then 1 (Alarm/ring): unknown input 'volume'. Fix: Inputs of Alarm/ring: "
        "name, level",
    ]


def test_an_unknown_output_or_row_field_is_an_error() -> None:
    assert text_messages(
        "sync S when { Extracting/extract: [ ref: ?r ] => [ ouptut: ?o ] }\n"
        "where { Counter/by_name: [ name: ?r ] => [ cnt: ?c ] }\n"
        "then { Counter/increment: [ name: ?r ] }"
    ) == [
        "error: sync S, when 1 (Extracting/extract): unknown output 'ouptut'. Fix: did you mean "
        "'output'? Outputs of Extracting/extract: attempts, error, output",
        "error: sync S, where 1 (Counter/by_name): unknown row field 'cnt'. Fix: did you mean "
        "'count'? Row fields of Counter/by_name: count, name",
    ]


def test_a_call_missing_a_required_input_is_an_error() -> None:
    @sync
    def s(n: Var) -> Clauses:
        return Clauses(
            when=[Counter.increment(name=n).out()],
            where=[Counter.by_name()],
            then=[Alarm.ring(name=n)],
        )

    assert messages(s) == [
        "error: sync s, where 1 (Counter/by_name): missing required input 'name'. Fix: add "
        "`name: ...` to the call. Inputs of Counter/by_name: name",
        "error: sync s, then 1 (Alarm/ring): missing required input 'level'. Fix: add "
        "`level: ...` to the call. Inputs of Alarm/ring: name, level",
    ]


def test_a_variable_never_bound_or_used_too_early_is_an_error() -> None:
    assert text_messages(
        "sync S\n"
        "when { Counter/increment: [ name: ?name ] => [ count: ?count ] }\n"
        "where {\n"
        "  filter(?limit > ?count)\n"
        "  Counter/by_name: [ name: ?other ] => [ count: ?limit ]\n"
        '  bind(?nam + "!" as ?shout)\n'
        "}\n"
        "then { Alarm/ring: [ name: ?shout ; level: ?lvl ] }"
    ) == [
        "error: sync S, where 1: variable ?limit in filter(?limit > ?count) is used before "
        "where 2 binds it. Fix: move where 2 before where 1",
        "error: sync S, where 2 (Counter/by_name): variable ?other is never bound. Fix: bind it "
        "in when or in an earlier where clause. Bound here: ?count, ?name",
        'error: sync S, where 3: variable ?nam in bind(?nam + "!" as ?shout) is never bound. '
        "Fix: did you mean '?name'? Bind it in when or in an earlier where clause. Bound here: "
        "?count, ?limit, ?name",
        "error: sync S, then 1 (Alarm/ring): variable ?lvl is never bound. Fix: bind it in when "
        "or in an earlier where clause. Bound here: ?count, ?limit, ?name, ?shout",
    ]


def test_literals_must_fit_the_declared_types() -> None:
    assert text_messages(
        "sync S\n"
        'when { Counter/increment: [ name: 7 ] => [ count: "ten" ] }\n'
        'where { Counter/by_name: [ name: "a" ] => [ count: true ] }\n'
        'then { Alarm/ring: [ name: "a" ; level: "loud" ] }'
    ) == [
        "error: sync S, when 1 (Counter/increment): input 'name' is declared str, but 7 does not "
        "fit: Input should be a valid string. Fix: pass a value of type str, or a variable",
        "error: sync S, when 1 (Counter/increment): output 'count' is declared int, but \"ten\" "
        "does not fit: Input should be a valid integer, unable to parse string as an integer. "
        "Fix: match a value of type int, or use a variable",
        "error: sync S, then 1 (Alarm/ring): input 'level' is declared Literal['low', 'high'], "
        "but \"loud\" does not fit: Input should be 'low' or 'high'. Fix: pass a value of type "
        "Literal['low', 'high'], or a variable",
    ]


def test_nested_output_patterns_are_checked_field_by_field() -> None:
    assert text_messages(
        "sync S\n"
        "when { Extracting/extract: [ ref: ?r ] => [ error: [ kind: 5 ] ] }\n"
        "then { Counter/increment: [ name: ?r ] }\n"
        "sync T\n"
        'when { Extracting/extract: [ ref: ?r ] => [ error: [ knd: "timeout" ] ] }\n'
        "then { Counter/increment: [ name: ?r ] }\n"
        "sync U\n"
        "when { Extracting/extract: [ ref: ?r ] => "
        '[ error: [ kind: "timeout" ; details: [ a: 1 ] ] ] }\n'
        "then { Counter/increment: [ name: ?r ] }\n"
    ) == [
        "error: sync S, when 1 (Extracting/extract): output 'error' is declared str | "
        "ActionError, but [ kind: 5 ] does not fit: Input should be a valid string. Fix: match "
        "a value of type str | ActionError, or use a variable",
        "error: sync T, when 1 (Extracting/extract): output 'error' is declared str | "
        "ActionError, but [ knd: \"timeout\" ] does not fit: ActionError has no field 'knd' "
        "(fields: details, kind, message). Fix: match a value of type str | ActionError, or use "
        "a variable",
    ]


def test_output_keys_of_two_cases_can_never_fire() -> None:
    @sync
    def s(r: Var, e: Var, o: Var) -> Clauses:
        return Clauses(
            when=[Extracting.extract(ref=r).out(error=e, output=o)],
            then=[Counter.increment(name=r)],
        )

    assert messages(s) == [
        "error: sync s, when 1 (Extracting/extract): output keys error, output fit no single "
        "case of Extracting/extract, so this sync can never fire. Fix: match the keys of one "
        "case: Extracted (attempts, output) or Error (error)",
    ]


def test_actions_and_queries_in_the_wrong_place_are_errors() -> None:
    n = Var("n")
    s = Sync(
        name="s",
        when=[Pattern(Counter.by_name, {"name": n})],  # type: ignore[arg-type]
        where=[Counter.increment(name=n)],  # type: ignore[list-item]
        then=[Counter.by_name(name=n)],  # type: ignore[list-item]
    )
    assert messages(s) == [
        "error: sync s, when 1 (Counter/by_name): Counter/by_name is a query; when patterns "
        "match completions of actions. Fix: name an action of Counter (increment); read queries "
        "in where",
        "error: sync s, where 1 (Counter/increment): Counter/increment is an action; where reads "
        "state with queries and never acts. Fix: name a query of Counter (by_name); invoke "
        "actions in then",
        "error: sync s, then 1 (Counter/by_name): Counter/by_name is a query; then invokes "
        "actions. Fix: name an action of Counter (increment); read queries in where",
    ]


def test_a_concept_missing_from_the_app_is_an_error() -> None:
    @sync
    def s(n: Var) -> Clauses:
        return Clauses(when=[Counter.increment(name=n).out()], then=[Pager.page(who=n)])

    assert messages(s) == [
        "error: sync s, then 1 (Pager/page): unknown concept 'Pager'. Fix: register Pager() in "
        "the app. Concepts of this app: Alarm, Counter, Extracting",
    ]


def cycle_warnings(text: str) -> list[str]:
    diagnostics = check(CONCEPTS, parse_syncs(text, CONCEPTS))
    assert {d.severity for d in diagnostics} <= {"warning"}
    raise_on_errors(diagnostics)  # warnings never raise
    return [str(d) for d in diagnostics]


FIX = (
    "Fix: make sure the cycle ends (a when literal or a where filter that stops it); the "
    "per-flow step budget halts a runaway flow"
)


def test_a_cycle_through_two_syncs_is_a_warning_naming_the_cycle() -> None:
    assert cycle_warnings(
        """
        sync Ping when { Counter/increment: [ name: "ping" ] => [] }
                  then { Extracting/extract: [ ref: "x" ] }
        sync Pong when { Extracting/extract: [ ref: ?r ] => [ error: ?e ] }
                  then { Counter/increment: [ name: "ping" ] }
        """
    ) == [
        "warning: sync Ping, then 1 (Extracting/extract): sync cycle Ping -> Pong -> Ping (Ping "
        "invokes Extracting/extract, which Pong matches; Pong invokes Counter/increment, which "
        f"Ping matches). {FIX}"
    ]


def test_a_sync_feeding_itself_is_a_cycle() -> None:
    assert cycle_warnings(
        """
        sync Self when { Counter/increment: [ name: ?n ] => [ count: ?c ] }
                  where { filter(?c < 3) }
                  then { Alarm/ring: [ name: ?n ; level: "low" ] ; Counter/increment: [ name: ?n ] }
        """
    ) == [
        "warning: sync Self, then 2 (Counter/increment): sync cycle Self -> Self (Self invokes "
        f"Counter/increment, which Self matches). {FIX}"
    ]


def test_different_literal_inputs_break_a_cycle() -> None:
    assert (
        cycle_warnings(
            """
        sync AtoB when { Counter/increment: [ name: "a" ] => [] }
                  then { Counter/increment: [ name: "b" ] }
        sync BtoC when { Counter/increment: [ name: "b" ] => [] }
                  then { Counter/increment: [ name: "c" ] }
        """
        )
        == []
    )


def test_raise_on_errors_lists_every_error_one_per_line() -> None:
    errors = [
        Diagnostic("error", "a", "then 1", "first", "fix one", "X/y"),
        Diagnostic("warning", "b", "then 1", "only a warning"),
        Diagnostic("error", "c", "when 2", "second"),
    ]
    with pytest.raises(SyncCheckError) as info:
        raise_on_errors(errors)
    assert str(info.value) == (
        "error: sync a, then 1 (X/y): first. Fix: fix one\nerror: sync c, when 2: second"
    )
    assert [d.sync for d in info.value.diagnostics] == ["a", "c"]


def test_both_notations_give_the_same_diagnostics() -> None:
    @sync
    def Store(r: Var, o: Var) -> Clauses:
        return Clauses(
            when=[Extracting.extract(ref=r).out(output=o, error="x")],
            where=[bind(Var("later"), lambda v: v, Var("missing"))],
            then=[Alarm.ring(nam=r, level=3)],
        )

    text = """
    sync Store
    when { Extracting/extract: [ ref: ?r ] => [ output: ?o ; error: "x" ] }
    where { bind(?missing as ?later) }
    then { Alarm/ring: [ nam: ?r ; level: 3 ] }
    """
    python = [
        (d.severity, d.sync, d.clause, d.subject, d.message.replace("<lambda>", "?missing"), d.fix)
        for d in check(CONCEPTS, [Store])
    ]
    parsed = [
        (d.severity, d.sync, d.clause, d.subject, d.message, d.fix)
        for d in check(CONCEPTS, parse_syncs(text, CONCEPTS))
    ]
    assert python == parsed
    assert [d[4] for d in parsed] == [
        "output keys error, output fit no single case of Extracting/extract, so this sync can "
        "never fire",
        "variable ?missing in bind(?missing as ?later) is never bound",
        "unknown input 'nam'",  # not also "missing required input 'name'": that is the typo
        "input 'level' is declared Literal['low', 'high'], but 3 does not fit: Input should be "
        "'low' or 'high'",
    ]


def test_the_engine_rejects_a_bad_sync_before_starting() -> None:
    from accord import App
    from accord.engine import Engine

    @sync
    def s(n: Var) -> Clauses:
        return Clauses(when=[Counter.increment(name=n).out()], then=[Alarm.ring(name=n)])

    with pytest.raises(SyncCheckError, match="missing required input 'level'"):
        Engine(App(concepts=[Counter(), Extracting(), Alarm()], syncs=[s]))


def test_then_calls_and_where_queries_are_model_objects() -> None:
    # The Python notation's building blocks are the ones the checks walk.
    assert isinstance(Counter.increment(name="a"), ActionCall)
    assert isinstance(Counter.by_name(name="a"), QueryCall)


def test_two_syncs_with_one_name_are_an_error() -> None:
    text = (
        "sync Twice when { Counter/increment: [ name: ?n ] } then { Alarm/ring: [ name: ?n ;"
        ' level: "low" ] }\n'
    )
    assert [
        str(d) for d in check(CONCEPTS, parse_syncs(text * 2, CONCEPTS, filename="a.sync"))
    ] == [
        "error: sync Twice, definition: 2 syncs are named 'Twice' (at a.sync:1, a.sync:2). Fix: "
        "rename all but one: the engine records each firing under its sync's name"
    ]


def test_a_variable_holding_numbers_cannot_feed_a_string_input() -> None:
    assert text_messages(
        "sync S\n"
        "when { Counter/increment: [ name: ?n ] => [ count: ?c ] }\n"
        'then { Alarm/ring: [ name: ?c ; level: "low" ] }'
    ) == [
        "error: sync S, then 1 (Alarm/ring): variable ?c is a number (output 'count' of "
        "Counter/increment in when 1), but input 'name' is declared str. Fix: pass a value of "
        "type str, e.g. bind(str(?c) as ?c_text) in where",
    ]


def test_lax_conversions_pydantic_accepts_are_not_reported() -> None:
    # A string may hold "5", which an int input accepts.
    assert (
        text_messages(
            "sync S\n"
            "when { Extracting/extract: [ ref: ?n ] => [ output: ?o ] }\n"
            "then { Counter/increment: [ name: ?n ; by: ?n ] }"
        )
        == []
    )


def test_a_variable_joined_across_positions_of_different_kinds_can_never_match() -> None:
    assert text_messages(
        "sync S\n"
        "when { Counter/increment: [ name: ?x ] => [] ; Extracting/extract: [ ref: ?r ] => "
        "[ output: ?x ] }\n"
        "where { Counter/by_name: [ name: ?r ] => [ count: ?r ] }\n"
        'then { Alarm/ring: [ name: ?r ; level: "low" ] }'
    ) == [
        "error: sync S, when 2 (Extracting/extract): variable ?x is a string (input 'name' of "
        "Counter/increment in when 1) but a record here (output 'output' of Extracting/extract "
        "in when 2), so they are never equal and this sync can never fire. Fix: use two "
        "variables, or compare them after converting one in a where clause",
        "error: sync S, where 1 (Counter/by_name): variable ?r is a string (input 'ref' of "
        "Extracting/extract in when 2) but a number here (row field 'count' of Counter/by_name "
        "in where 1), so they are never equal and this sync can never fire. Fix: use two "
        "variables, or compare them after converting one in a where clause",
    ]

"""The text notation builds exactly the model the Python notation builds."""

from __future__ import annotations

from pathlib import Path

from accord import Clauses, Var, bind, collect, optional, sync, uuid, where
from accord.sync.model import Bind, Collect, Filter, Optional, Pattern, QueryCall
from accord.sync.text import load_sync_file, parse_syncs

from .domain import CONCEPTS, Customers, Extracting, Inbox
from .shape import shape

DESIGN_EXAMPLE = """
sync StoreCustomer
when {
  Inbox/receive: [ message: ?m ] => []
  Extracting/extract: [ ref: ?m ] => [ output: ?record ]
}
where { bind(uuid() as ?customer) }
then {
  Customers/add: [ customer: ?customer ; record: ?record ]
}
"""


@sync
def StoreCustomer(m: Var, record: Var, customer: Var) -> Clauses:
    return Clauses(
        when=[Inbox.receive(message=m).out(), Extracting.extract(ref=m).out(output=record)],
        where=[bind(customer, uuid)],
        then=[Customers.add(customer=customer, record=record)],
    )


def test_design_example_builds_the_same_model_as_the_python_notation() -> None:
    [parsed] = parse_syncs(DESIGN_EXAMPLE, CONCEPTS)
    assert shape(parsed) == shape(StoreCustomer)
    assert parsed.origin == "<string>:2"


def test_variables_with_one_name_are_one_object_within_a_sync_and_distinct_across_syncs() -> None:
    first, second = parse_syncs(DESIGN_EXAMPLE + DESIGN_EXAMPLE.replace("Store", "Other"), CONCEPTS)
    assert first.when[0].inputs["message"] is first.when[1].inputs["ref"]
    bind_clause = first.where[0]
    assert isinstance(bind_clause, Bind)
    assert bind_clause.var is first.then[0].inputs["customer"]
    assert first.when[1].outputs["output"] is first.then[0].inputs["record"]
    assert first.when[0].inputs["message"] is not second.when[0].inputs["message"]


def test_bind_of_uuid_computes_a_fresh_id_per_call() -> None:
    [parsed] = parse_syncs(DESIGN_EXAMPLE, CONCEPTS)
    bind_clause = parsed.where[0]
    assert isinstance(bind_clause, Bind)
    assert bind_clause.uses == ()
    a, b = bind_clause.compute(), bind_clause.compute()
    assert isinstance(a, str) and len(a) == 32 and a != b
    assert bind_clause.source == "uuid()"


def test_nested_records_lists_and_every_literal_kind() -> None:
    text = r"""
    sync Nested
    when {
      Extracting/extract: [ ref: "a \"quoted\"\nline \u00e9" ] => [ error: [
        kind: "invalid_output"
        details: [ n: -3, ratio: 2.5e-1, flags: [true, false, null], tags: [] ]
      ] ]
    }
    then {
      Customers/add: [ customer: "c" ; record: [ "odd key": [1, [2, 3], [ deep: ?x ]], empty: [] ] ]
    }
    """
    [s] = parse_syncs(text, CONCEPTS)
    assert s.when[0].inputs == {"ref": 'a "quoted"\nline é'}
    assert s.when[0].outputs == {
        "error": {
            "kind": "invalid_output",
            "details": {"n": -3, "ratio": 0.25, "flags": [True, False, None], "tags": []},
        }
    }
    record = s.then[0].inputs["record"]
    assert shape(s)[3][0][1]["record"] == {
        "odd key": [1, [2, 3], {"deep": ("?", "x")}],
        "empty": [],
    }
    assert type(record["odd key"][0]) is int


def test_separators_semicolons_commas_and_new_lines_are_interchangeable() -> None:
    variants = [
        "[ customer: ?c ; record: ?r ]",
        "[ customer: ?c , record: ?r ]",
        "[ customer: ?c ; record: ?r ; ]",
        "[\n  customer: ?c\n  record: ?r\n]",
    ]
    shapes = []
    for args in variants:
        text = (
            "sync S when { Inbox/receive: [ message: ?c ] => [] ; "
            "Extracting/extract: [ ref: ?c ] => [ output: ?r ] } "
            f"then {{ Customers/add: {args} }}"
        )
        [s] = parse_syncs(text, CONCEPTS)
        shapes.append(shape(s))
    assert all(s == shapes[0] for s in shapes)


def test_a_when_pattern_without_outputs_matches_any_completion() -> None:
    [s] = parse_syncs(
        "sync S when { Inbox/receive: [ message: ?m ] } then { Extracting/extract: [ ref: ?m ] }",
        CONCEPTS,
    )
    assert s.when[0] == Pattern(Inbox.receive, s.when[0].inputs, {})


def test_keywords_are_fine_as_field_names() -> None:
    [s] = parse_syncs(
        "sync S when { Extracting/extract: [ ref: ?m ] => "
        "[ output: [ when: 1 ; as: ?x ; filter: true ] ] }"
        " then { Customers/add: [ customer: ?m ; record: [ sync: ?x ] ] }",
        CONCEPTS,
    )
    assert shape(s)[1][0][2] == {"output": {"when": 1, "as": ("?", "x"), "filter": True}}


def test_every_where_clause_kind() -> None:
    text = """
    sync Lookup  # comments run to the end of the line
    when { Inbox/receive: [ message: ?m ; sender: ?s ] => [] }
    where {
      Inbox/by_sender: [ sender: ?s ] => [ message: ?other ]       # fan-out
      optional Customers/by_email: [ email: ?s ] => [ customer: ?known ]
      collect(Customers/by_email: [ email: ?s ] => [ customer: "vip" ] as ?vips)
      filter(?other != ?m and len(?vips) == 0)
      bind(coalesce(?known, lower(?s)) as ?customer)
    }
    then { Customers/add: [ customer: ?customer ; record: [ seen: ?other ] ] }
    """
    [s] = parse_syncs(text, CONCEPTS)

    @sync
    def Lookup(m: Var, s: Var, other: Var, known: Var, vips: Var, customer: Var) -> Clauses:
        return Clauses(
            when=[Inbox.receive(message=m, sender=s).out()],
            where=[
                Inbox.by_sender(sender=s).out(message=other),
                optional(Customers.by_email(email=s).out(customer=known)),
                collect(Customers.by_email(email=s).out(customer="vip"), vips),
                where(lambda o, m, v: o != m and len(v) == 0, other, m, vips),
                bind(customer, lambda k, s: k if k is not None else s.lower(), known, s),
            ],
            then=[Customers.add(customer=customer, record={"seen": other})],
        )

    assert shape(s) == shape(Lookup)
    query, opt, agg, filt, bnd = s.where
    assert isinstance(query, QueryCall) and isinstance(opt, Optional)
    assert isinstance(agg, Collect) and isinstance(filt, Filter) and isinstance(bnd, Bind)
    assert filt.source == "?other != ?m and len(?vips) == 0"
    assert filt.predicate("a", "b", []) is True
    assert filt.predicate("a", "a", []) is False
    assert filt.predicate("a", "b", [{"vips": "x"}]) is False
    assert bnd.source == "coalesce(?known, lower(?s))"
    assert bnd.compute(None, "Ann@X") == "ann@x"
    assert bnd.compute("c1", "Ann@X") == "c1"
    assert str(filt) == "filter(?other != ?m and len(?vips) == 0)"


def test_several_syncs_per_file_and_origins_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "app.sync"
    path.write_text(
        "# two syncs\n"
        "sync A when { Inbox/receive: [ message: ?m ] } then { Extracting/extract: [ ref: ?m ] }\n"
        "\n"
        "sync B\n"
        "when { Extracting/extract: [ ref: ?m ] => [ error: ?e ] }\n"
        'where { filter(?e.kind == "timeout") }\n'
        "then { Extracting/extract: [ ref: ?m ] }\n",
        encoding="utf-8",
    )
    a, b = load_sync_file(path, [Inbox(), Extracting(), Customers()])
    assert (a.name, b.name) == ("A", "B")
    assert a.origin == f"{path}:2"
    assert b.origin == f"{path}:4"
    filt = b.where[0]
    assert isinstance(filt, Filter)
    assert filt.predicate({"kind": "timeout", "message": "slow"}) is True
    assert filt.predicate({"kind": "internal", "message": "bug"}) is False
    assert filt.predicate("a plain string error") is False


def test_a_parsed_sync_prints_back_to_text_that_parses_to_the_same_model() -> None:
    text = """
    sync RoundTrip
    when {
      Inbox/receive: [ message: ?m ; sender: ?s ] => []
      Extracting/extract: [ ref: ?m ] => [ error: [ kind: "timeout" ; details: [ n: -2.5 ] ] ]
    }
    where {
      Inbox/by_sender: [ sender: ?s ] => [ message: ?other ]
      optional Customers/by_email: [ email: ?s ] => [ customer: ?known ]
      collect(Customers/by_email: [ email: "a@b.c" ] as ?all)
      filter(not (?other in ["x", "y"]) or len(?all) >= 2)
      bind(coalesce(?known, upper(?s)) as ?customer)
    }
    then { Customers/add: [ customer: ?customer ; record: [ tags: ["a", true, null, 3] ] ] }
    """
    [first] = parse_syncs(text, CONCEPTS)
    [again] = parse_syncs(str(first), CONCEPTS)
    assert shape(again) == shape(first)

"""Malformed text and names that do not resolve: exact, located, worded messages."""

from __future__ import annotations

import pytest

from accord.checks.diagnostics import SyncCheckError
from accord.sync.text import SyncSyntaxError, parse_syncs

from .domain import CONCEPTS

THEN = " then { Extracting/extract: [ ref: ?m ] }"


def syntax_error(text: str) -> str:
    with pytest.raises(SyncSyntaxError) as info:
        parse_syncs(text, CONCEPTS, filename="app.sync")
    return str(info.value)


def test_a_missing_colon_names_the_place_and_what_was_expected() -> None:
    text = "sync A\nwhen {\n  Inbox/receive [ message: ?m ] => []\n}\n" + THEN
    assert syntax_error(text) == (
        "app.sync:3:17: unexpected '['; expected ':'\n"
        "    Inbox/receive [ message: ?m ] => []\n"
        "                  ^"
    )


def test_an_unexpected_character_lists_what_may_follow() -> None:
    text = "sync A when { Inbox/receive: [ message: @m ] } then { Extracting/extract: [ ref: ?m ] }"
    assert syntax_error(text) == (
        "app.sync:1:41: unexpected character '@'; expected '-', '[', 'false', 'null', 'true', "
        "a number, a string or a variable (?name)\n"
        f"  {text}\n"
        f"  {' ' * 40}^"
    )


def test_a_missing_then_block_is_reported_at_the_end_of_the_file() -> None:
    text = "sync A\nwhen { Inbox/receive: [ message: ?m ] }\n"
    assert syntax_error(text) == (
        "app.sync:2:40: unexpected end of file; expected 'then' or 'where'\n"
        "  when { Inbox/receive: [ message: ?m ] }\n"
        f"  {' ' * 39}^"
    )


def test_two_fields_on_one_line_need_a_separator() -> None:
    text = "sync A\nwhen { Inbox/receive: [ message: ?m sender: ?s ] }\n" + THEN
    assert syntax_error(text) == (
        "app.sync:2:37: unexpected 'sender'; expected ';', ',' or a new line before it\n"
        "  when { Inbox/receive: [ message: ?m sender: ?s ] }\n"
        f"  {' ' * 36}^"
    )


def test_an_unknown_function_is_a_syntax_error_naming_the_known_ones() -> None:
    text = "sync A when { Inbox/receive: [ message: ?m ] }\nwhere { bind(uid() as ?id) }\n" + THEN
    assert syntax_error(text) == (
        "app.sync:2:14: unknown function 'uid' (did you mean 'uuid'?); known functions: "
        "coalesce, int, len, lower, now, str, upper, uuid\n"
        "  where { bind(uid() as ?id) }\n"
        "               ^"
    )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("uuid(?m)", "uuid() takes no arguments, got 1"),
        ("len(?m, ?m)", "len() takes 1 argument, got 2"),
        ("coalesce(?m)", "coalesce() takes at least 2 arguments, got 1"),
    ],
)
def test_wrong_arity_names_the_function(expression: str, message: str) -> None:
    text = (
        f"sync A when {{ Inbox/receive: [ message: ?m ] }} where {{ filter({expression}) }}" + THEN
    )
    first_line = syntax_error(text).splitlines()[0]
    assert first_line == f"app.sync:1:{text.index(expression) + 1}: {message}"


def test_a_bad_escape_and_a_repeated_field_are_reported_where_they_are() -> None:
    assert (
        syntax_error('sync A when { Inbox/receive: [ message: "a\\qb" ] }' + THEN).splitlines()[0]
        == "app.sync:1:41: invalid escape in string (Invalid \\escape)"
    )
    assert (
        syntax_error(
            "sync A when { Inbox/receive: [ message: ?m ; message: ?n ] }" + THEN
        ).splitlines()[0]
        == "app.sync:1:46: field 'message' appears twice in this record"
    )


def test_comparisons_do_not_chain() -> None:
    text = "sync A when { Inbox/receive: [ message: ?m ] } where { filter(1 < ?m < 3) }" + THEN
    assert syntax_error(text).splitlines()[0] == (
        "app.sync:1:70: unexpected '<'; expected ')', '+', '-', 'and' or 'or'"
    )


def test_names_that_do_not_resolve_are_reported_together_in_the_words_of_the_checks() -> None:
    text = """
sync A
when {
  Inbx/receive: [ message: ?m ]
  Inbox/recieve: [ message: ?m ]
  Inbox/by_sender: [ sender: ?m ]
}
where { Extracting/extract: [ ref: ?m ] => [ output: ?o ] ; Customers/by_mail: [ email: ?m ] }
then { Customers/by_email: [ email: ?m ] }

sync Fine when { Inbox/receive: [ message: ?m ] } then { Extracting/extract: [ ref: ?m ] }
"""
    with pytest.raises(SyncCheckError) as info:
        parse_syncs(text, CONCEPTS, filename="app.sync")
    assert str(info.value).splitlines() == [
        "error: sync A, when 1 (Inbx/receive): unknown concept 'Inbx'. Fix: did you mean "
        "'Inbox'? Concepts of this app: Customers, Extracting, Inbox",
        "error: sync A, when 2 (Inbox/recieve): unknown action 'recieve' of Inbox. Fix: did you "
        "mean 'receive'? Actions of Inbox: receive",
        "error: sync A, when 3 (Inbox/by_sender): Inbox/by_sender is a query; when patterns "
        "match completions of actions. Fix: name an action of Inbox (receive); read queries in "
        "where",
        "error: sync A, where 1 (Extracting/extract): Extracting/extract is an action; where "
        "reads state with queries and never acts. Fix: name a query of Extracting ((none)); "
        "invoke actions in then",
        "error: sync A, where 2 (Customers/by_mail): unknown query 'by_mail' of Customers. Fix: "
        "did you mean 'by_email'? Queries of Customers: by_email",
        "error: sync A, then 1 (Customers/by_email): Customers/by_email is a query; then invokes "
        "actions. Fix: name an action of Customers (add); read queries in where",
    ]
    assert [d.origin for d in info.value.diagnostics][:2] == ["app.sync:4:3", "app.sync:5:3"]


def test_an_unterminated_string_says_so() -> None:
    text = 'sync A when { Inbox/receive: [ message: "abc ] }' + THEN
    assert syntax_error(text).splitlines()[0] == (
        'app.sync:1:41: unterminated string: close it with " on the same line'
    )


def test_expected_keywords_are_listed_where_only_some_names_fit() -> None:
    text = "sync A when { Inbox/receive: [ message: ?m ] } where { filter(?m ==) }" + THEN
    assert syntax_error(text).splitlines()[0] == (
        "app.sync:1:68: unexpected ')'; expected '(', '-', '[', 'false', 'null', 'true', a name, "
        "a number, a string or a variable (?name)"
    )

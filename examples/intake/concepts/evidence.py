"""Evidence: what each message says for certain, and the record assembled only from grounded
values (the model proposes, the evidence decides)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from typing_extensions import TypedDict

from accord import Concept, Error, action, error
from accord.llm.grounding import Grounding, Rule, fold, occurs_in, one_of
from examples.intake.evidence import EvidenceSet, gather
from examples.intake.screening_rules import screen_answer

__all__ = ["DECIDED_FIELDS", "Assembled", "Evidence", "Gathered", "details_grounding", "hints"]

DECIDED_FIELDS = ("email", "phone", "plan", "signup_date", "language")
"""Fields the evidence decides; the model never writes them."""


def _name_rule() -> Rule:
    among, anywhere = one_of("names"), occurs_in("message")

    def check(value: str, inputs: Mapping[str, Any]) -> str | None:
        return (among if inputs.get("names") else anywhere).check(value, inputs)

    def options(inputs: Mapping[str, Any]) -> list[str] | None:
        # A closed set only when the evidence found names: else any name in the message.
        return list(inputs.get("names") or ()) or None

    return Rule("one of the names found, else in the message", check, ("names", "message"), options)


def _summary_rule() -> Rule:
    def check(value: str, inputs: Mapping[str, Any]) -> str | None:
        return None  # what the customer wants is judgment: the answer screening checks it

    def options(inputs: Mapping[str, Any]) -> list[str] | None:
        return list(inputs.get("summaries") or ()) or None

    # A model that decodes under a grammar (the embedded one) chooses among the customer's own
    # request sentences and the subject: a 135M model choosing is right far more often than
    # one writing. Any other answer is accepted, so a model that writes better may.
    return Rule("the customer's own words, offered as choices", check, ("summaries",), options)


def details_grounding() -> Grounding:
    """What grounds the model's part of a record: one of the names the evidence found when it
    found any, else text that occurs in the message; a company among those found, or none.
    Inputs: ``message``, ``names`` and ``companies`` (the candidates). Both fields are closed
    sets where candidates exist, so a model decoding under the schema only chooses."""
    return Grounding(
        {"full_name": _name_rule(), "company": one_of("companies"), "summary": _summary_rule()},
        required=("full_name",),
    )


class Gathered(TypedDict):
    message: str
    evidence: dict[str, Any]  # field -> candidates (value, text, span, note), value, problem
    hints: str  # the candidates as the model is shown them
    names: list[str]  # the name candidates (what grounds the model's full_name)
    companies: list[str]
    summaries: list[str]  # what the customer asks for, in their words (request sentences, subject)
    status: str  # "decided": every field the evidence owns is decided; else "undecided"
    doubts: str  # why not, field by field ("" when decided)
    proposed: dict[str, Any]  # what the evidence knows, for a reviewer


class Assembled(TypedDict):
    message: str
    record: dict[str, Any]


def hints(found: EvidenceSet) -> str:
    """What the model is shown: the From and Subject lines, the name and company candidates and
    the summary options (the customer's request sentences and the subject). Not the whole
    message: reading it would cost the embedded model more than all the rest of its work."""
    names = " | ".join(dict.fromkeys(found.values("full_name"))) or "(none found)"
    companies = " | ".join(dict.fromkeys(found.values("company"))) or "(none)"
    asks = "\n".join(f"- {s}" for s in dict.fromkeys(found.values("summary"))) or "(none)"
    head = found.text.split("\n\n", 1)[0]  # the From and Subject lines
    return f"{head}\nName: {names}\nCompany: {companies}\nWhat they ask for, one of:\n{asks}"


def _decided(evidence: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The record's fields the evidence decides (the others None), and each field it could
    not decide with the reason."""
    record: dict[str, Any] = dict.fromkeys(
        ("full_name", "email", "phone", "company", "plan", "signup_date", "language", "summary")
    )
    problems: dict[str, str] = {}
    for name in DECIDED_FIELDS:
        finding = evidence.get(name) or {}
        record[name] = finding.get("value")
        if finding.get("problem"):
            problems[name] = str(finding.get("reason") or finding["problem"])
    return record, problems


class Evidence(Concept):
    """Deterministic evidence per field (no model, no state) and grounded assembly."""

    def __init__(self, own_domains: Iterable[str] = (), default_region: str | None = "US") -> None:
        self.own_domains = tuple(own_domains)
        self.default_region = default_region

    @action
    def gather(
        self, message: str, sender: str, subject: str, body: str, received_on: date
    ) -> Gathered:
        """Every candidate of every field, with its span, and each field's decision or doubt."""
        found = gather(
            sender,
            subject,
            body,
            received_on,
            own_domains=self.own_domains,
            default_region=self.default_region,
        )
        evidence = found.to_json()
        proposed, problems = _decided(evidence)
        doubts = "; ".join(f"{k}: {v}" for k, v in problems.items())
        return {
            "message": message,
            "evidence": evidence,
            "status": "undecided" if problems else "decided",
            "doubts": f"undecided: {doubts}" if problems else "",
            "proposed": proposed,
            "hints": hints(found),
            "names": list(dict.fromkeys(found.values("full_name"))),
            "companies": list(dict.fromkeys(found.values("company"))),
            "summaries": list(dict.fromkeys(found.values("summary"))),
        }

    @action
    def assemble(
        self, message: str, evidence: dict[str, Any], details: dict[str, Any], text: str
    ) -> Assembled | Error:
        """The record, when the evidence decides every field it owns and the model's part
        (name, company, summary) is grounded in the message and carries no instruction.

        Otherwise ``ungrounded`` (the model's part), ``injected`` (text aimed at a model in the
        answer) or ``undecided`` (the evidence), with ``proposed`` (what is known) and
        ``fields`` (each failing field and why) for the reviewer.
        """
        record, problems = _decided(evidence)
        record.update(
            full_name=details.get("full_name"),
            company=details.get("company"),
            summary=details.get("summary"),
        )
        kind = "undecided" if problems else None
        inputs = {
            "message": text,
            "names": evidence.get("full_name", {}).get("candidates", []),
            "companies": evidence.get("company", {}).get("candidates", []),
            "summaries": evidence.get("summary", {}).get("candidates", []),
        }
        for miss in details_grounding().check(details, inputs):
            problems[miss.field] = miss.reason
            kind = kind or "ungrounded"
        given_company, given_name = details.get("company"), details.get("full_name")
        if (
            isinstance(given_company, str)
            and isinstance(given_name, str)
            and fold(given_company) == fold(given_name)
        ):
            problems["company"] = f"{given_company!r} is the customer's name, not a company"
            kind = kind or "ungrounded"
        for field in ("full_name", "company", "summary"):
            value = details.get(field)
            aimed = screen_answer(value) if isinstance(value, str) else None
            if aimed is not None:
                problems[field] = f"the answer's {field} holds text aimed at a model: {aimed}"
                kind = "injected"
        if kind is None:
            return {"message": message, "record": record}
        listed = "; ".join(f"{k}: {v}" for k, v in problems.items())
        return error(kind, f"{kind}: {listed}", proposed=record, fields=problems)

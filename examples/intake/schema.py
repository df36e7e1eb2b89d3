"""The `CustomerRecord` an LLM must produce from one customer message, and field-level scoring.

The schema is deliberately small and flat so that a tiny local model can fill it in. Every
field normalizes what is unambiguous (case, whitespace, phone formatting) and refuses what is
wrong (a future signup date, an unknown plan, an unparseable phone) with a message that says
what to send instead; a refusal sends the message to review rather than storing a guess.

Validate with `context={"today": received_date}` to also refuse signup dates after the day the
message arrived; without it, "the future" means after today (UTC). (The class docstring stays
short because it becomes the description in the JSON schema a model is shown.)
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

__all__ = [
    "EARLIEST_SIGNUP_DATE",
    "LANGUAGE_CODES",
    "PLAN_VALUES",
    "SUMMARY_OVERLAP_THRESHOLD",
    "CustomerDetails",
    "CustomerRecord",
    "Plan",
    "compare_records",
    "summary_overlap",
]


class Plan(StrEnum):
    """The subscription plan the customer is on (their current plan, not one they ask about)."""

    FREE = "free"
    STARTER = "starter"
    PRO = "pro"
    ENTERPRISE = "enterprise"


PLAN_VALUES: tuple[str, ...] = tuple(plan.value for plan in Plan)

EARLIEST_SIGNUP_DATE = date(2000, 1, 1)


# ISO 639-1 (all 183 two-letter codes), so that a message in any language can be recorded.
def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


LANGUAGE_CODES: frozenset[str] = _word_set(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy
    da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht
    hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky
    la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny
    oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo
    za zh zu
    """
)

_DEFAULT_PHONE_REGION = "US"


def _blank_to_none(value: object) -> object:
    """Models often write "" or "null" for an absent optional value; both mean "not given"."""
    if isinstance(value, str) and value.strip().lower() in ("", "null", "none", "n/a"):
        return None
    return value


def _lower_email(value: str) -> str:
    return value.lower()


def _collapse_spaces(value: str) -> str:
    return " ".join(value.split())


def _normalize_phone(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parsed = phonenumbers.parse(value, _DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValueError(
            f"phone {value!r} is not a phone number; give the number with its country "
            "code, like '+44 20 7946 0958', or null when the message has no phone"
        ) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(
            f"phone {value!r} is not a valid phone number; give the number exactly as written "
            "in the message, with its country code when it is not a US number, or null"
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _normalize_plan(value: object) -> object:
    if isinstance(value, str):
        cleaned = value.strip().lower()
        if cleaned not in PLAN_VALUES:
            raise ValueError(f"plan {value!r} is unknown; use one of {', '.join(PLAN_VALUES)}")
        return cleaned
    return value


def _parse_signup_date(value: object) -> object:
    # Only an ISO calendar date: lax Pydantic would also take a Unix timestamp or a datetime,
    # and a model that answers "1616371200" has not understood the question.
    if isinstance(value, datetime):
        raise ValueError("signup_date must be a calendar date like '2021-03-04', not a datetime")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(
                f"signup_date {value!r} is not a date in the form YYYY-MM-DD, like '2021-03-04'"
            ) from None
    raise ValueError(f"signup_date must be a date string YYYY-MM-DD, got {type(value).__name__}")


def _check_signup_range(value: date, info: ValidationInfo) -> date:
    # The caller may pass the day the message arrived as context {"today": date}: a signup
    # after the message was written is as impossible as one after today.
    context = info.context if isinstance(info.context, dict) else {}
    given = context.get("today")
    today = given if isinstance(given, date) else datetime.now(UTC).date()
    if value > today:
        label = "the day the message arrived" if isinstance(given, date) else "today"
        raise ValueError(
            f"signup_date {value.isoformat()} is in the future ({label} is {today.isoformat()}); "
            "give the date the customer actually signed up"
        )
    if value < EARLIEST_SIGNUP_DATE:
        raise ValueError(
            f"signup_date {value.isoformat()} is before {EARLIEST_SIGNUP_DATE.isoformat()}, "
            "when the service did not exist yet"
        )
    return value


def _normalize_language(value: object) -> object:
    if isinstance(value, str):
        code = value.strip().lower()
        if code not in LANGUAGE_CODES:
            raise ValueError(
                f"language {value!r} is not an ISO 639-1 code; give the two-letter code of the "
                "message's language, like 'en', 'es', 'de'"
            )
        return code
    return value


_Text = StringConstraints(strip_whitespace=True, min_length=1)

FullName = Annotated[
    str, _Text, StringConstraints(max_length=100), AfterValidator(_collapse_spaces)
]
Email = Annotated[EmailStr, AfterValidator(_lower_email)]
Phone = Annotated[str | None, BeforeValidator(_blank_to_none), AfterValidator(_normalize_phone)]
Company = Annotated[
    Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None,
    BeforeValidator(_blank_to_none),
]
PlanField = Annotated[Plan, BeforeValidator(_normalize_plan)]
SignupDate = Annotated[
    date, BeforeValidator(_parse_signup_date), AfterValidator(_check_signup_range)
]
Language = Annotated[str, BeforeValidator(_normalize_language)]
Summary = Annotated[str, _Text, StringConstraints(max_length=300)]


class CustomerRecord(BaseModel):
    """One customer, as extracted from one message."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)

    full_name: FullName = Field(description="The customer's full name, as written.")
    email: Email = Field(description="The customer's email address.")
    phone: Phone = Field(
        default=None, description="The customer's phone number, or null if not given."
    )
    company: Company = Field(
        default=None, description="The customer's company, or null if not given."
    )
    plan: PlanField = Field(description="The customer's current plan.")
    signup_date: SignupDate = Field(description="The date the customer signed up (YYYY-MM-DD).")
    language: Language = Field(description="Two-letter ISO 639-1 code of the message's language.")
    summary: Summary = Field(description="One short English sentence: what the customer wants.")

    @field_validator("full_name", "summary", "company", mode="before")
    @classmethod
    def _require_text(cls, value: Any) -> Any:
        # Lax mode would turn 123 into "123"; a number where text belongs is a wrong answer.
        if value is not None and not isinstance(value, str):
            raise ValueError(f"expected text, got {type(value).__name__}")
        return value


class CustomerDetails(BaseModel):
    """What needs judgment in one customer email: the customer's name and company, and what
    they want."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    # No field descriptions: a tiny model shown them in the schema copies them as answers.
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)]
    company: Annotated[
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] | None,
        BeforeValidator(_blank_to_none),
    ] = None
    summary: Annotated[str, _Text, StringConstraints(max_length=120)]


SUMMARY_OVERLAP_THRESHOLD = 0.5
"""Share of the expected summary's content words the produced summary must contain."""

_STOPWORDS = _word_set(
    """
    a an the and or but if of to in on at by for from with about into over after before as is
    are was were be been being am do does did has have had will would can could should may
    might must shall this that these those it its they them their there here he she his her
    him we us our you your i me my not no so than then too very just also all any some more
    most such only own same what which who whom when where why how wants want asks ask
    customer customers please like needs need
    """
)
_WORD = re.compile(r"[^\W_]+")


def _content_words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return {
        _stem(word)
        for word in _WORD.findall(folded)
        if word not in _STOPWORDS and (len(word) > 2 or word.isdigit())
    }


def _stem(word: str) -> str:
    # A crude plural/tense fold so that "invoices" meets "invoice" and "charged" meets "charge":
    # drop one of -ing/-ed/-s, then a final -e.
    for suffix in ("ing", "ed", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def summary_overlap(expected: str, got: str) -> float:
    """Share of the expected summary's content words (stemmed) that also occur in `got`.

    1.0 when the expected summary has no content words and `got` has none either.
    """
    wanted = _content_words(expected)
    if not wanted:
        return 1.0 if not _content_words(got) else 0.0
    return len(wanted & _content_words(got)) / len(wanted)


def _fold(text: str | None) -> str | None:
    if text is None:
        return None
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def compare_records(expected: CustomerRecord, got: CustomerRecord) -> dict[str, bool]:
    """Field-by-field correctness of `got` against `expected`.

    Names and company compare case- and whitespace-insensitively; email, phone, plan, signup
    date and language compare exactly (after the schema's normalization); the summary is correct
    when `summary_overlap` reaches `SUMMARY_OVERLAP_THRESHOLD`.
    """
    return {
        "full_name": _fold(expected.full_name) == _fold(got.full_name),
        "email": expected.email == got.email,
        "phone": expected.phone == got.phone,
        "company": _fold(expected.company) == _fold(got.company),
        "plan": expected.plan == got.plan,
        "signup_date": expected.signup_date == got.signup_date,
        "language": expected.language == got.language,
        "summary": summary_overlap(expected.summary, got.summary) >= SUMMARY_OVERLAP_THRESHOLD,
    }

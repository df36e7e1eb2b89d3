"""What a message says for certain, found by deterministic libraries, each candidate with its span.

No model is involved: email addresses (``email-validator``), phone numbers (``phonenumbers``),
dates (numeric forms by the message's locale, month names in many languages with
``dateparser``, relative dates counted from the arrival day), the language (``lingua``), plan
names and their synonyms per language, the signature block, and name and company candidates.
A field is *decided* when its candidates leave one valid value; otherwise the `Finding` says why
not (missing, invalid, several, ambiguous), which is what a reviewer reads beside the proposal.
"""

from __future__ import annotations

import importlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

__all__ = [
    "Candidate",
    "EvidenceSet",
    "Finding",
    "gather",
]

# -- candidates ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Candidate:
    """One value found in the message: the normalized value, the text it came from and where.

    ``start``/``end`` index the message as a model reads it (``From: ...``, subject, body).
    """

    value: str
    text: str
    start: int
    end: int
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "text": self.text,
            "span": [self.start, self.end],
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """The evidence for one field: its candidates and the decided value, or why none is."""

    field: str
    candidates: tuple[Candidate, ...] = ()
    value: str | None = None
    problem: str | None = None  # missing | invalid | several | ambiguous
    reason: str = ""

    @property
    def decided(self) -> bool:
        return self.problem is None

    def to_json(self) -> dict[str, Any]:
        return {
            "candidates": [c.to_json() for c in self.candidates],
            "value": self.value,
            "problem": self.problem,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class EvidenceSet:
    """Every field's finding for one message, plus name/company candidates for the model."""

    text: str
    findings: dict[str, Finding] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {name: f.to_json() for name, f in self.findings.items()}

    def values(self, name: str) -> list[str]:
        return [c.value for c in self.findings[name].candidates]


def _decide(name: str, found: list[Candidate], *, required: bool, what: str) -> Finding:
    distinct = list(dict.fromkeys(c.value for c in found))
    if not distinct:
        if required:
            return Finding(name, (), None, "missing", f"the message gives no {what}")
        return Finding(name, (), None)
    if len(distinct) > 1:
        listed = ", ".join(distinct[:4])
        return Finding(name, tuple(found), None, "several", f"several {what}s: {listed}")
    return Finding(name, tuple(found), distinct[0])


# -- the message's parts -----------------------------------------------------------------------

_QUOTE_START = re.compile(
    r"^(?:-{3,}\s*(?:forwarded|original) message|_{10,}|on .{0,80}wrote:|"
    r"am .{0,80}schrieb|le .{0,80}a écrit|el .{0,80}escribió|>)",
    re.IGNORECASE | re.MULTILINE,
)
_CLOSING = re.compile(
    r"^\s*(?:thanks|thank you|thx|cheers|best|best regards|kind regards|regards|sincerely|"
    r"many thanks|warm regards|best wishes|all the best|bien cordialement|cordialement|"
    r"amicalement|salutations|beste grüße|liebe grüße|herzliche grüße|freundliche grüße|"
    r"mit freundlichen grüßen|viele grüße|grüße|bien à vous|"
    r"merci|saludos(?: cordiales)?|un saludo|atentamente|gracias|met vriendelijke groet|"
    r"groeten|cordiali saluti|distinti saluti|grazie|atenciosamente|obrigad[oa]|"
    r"z poważaniem|pozdrawiam|med vänliga hälsningar|vänliga hälsningar|hälsningar|"
    r"--|- )\s*[,!.]?\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def _own_text(body: str) -> str:
    """The body without a quoted or forwarded thread (what the sender wrote themselves)."""
    found = _QUOTE_START.search(body)
    return body[: found.start()] if found else body


_TRAILER = re.compile(
    r"(?:\n[ \t]*(?:sent from my|envoyé de mon|enviado desde|von meinem|verzonden vanaf|"
    r"inviato da|this (?:e-?mail|message) and any|confidential|submitted via)[^\n]*|\n[ \t]*)+\Z",
    re.IGNORECASE,
)


def _signature(body: str) -> tuple[int, str]:
    """(offset, text) of the signature block: the lines after the last closing phrase, or the
    last short paragraph (a "Sent from my phone" line or a disclaimer after it is no signature)."""
    own = _own_text(body)
    trailer = _TRAILER.search(own)
    if trailer is not None:
        own = own[: trailer.start()]
    closings = list(_CLOSING.finditer(own))
    last = closings[-1] if closings else None
    if last is None:
        tail = own.rstrip().rsplit("\n\n", 1)
        if len(tail) == 2 and len(tail[1]) < 200:
            return len(tail[0]) + 2, tail[1]
        return len(own), ""
    return last.end(), own[last.end() :]


# -- emails ------------------------------------------------------------------------------------

_EMAIL_LIKE = re.compile(r"[\w.+'-]+@[\w-]+(?:[.,][\w-]+)*", re.UNICODE)
_LABEL_EMAIL = re.compile(r"^[ \t-]*(?:e-?mail|correo|courriel)\s*:[ \t]*(.*)$", re.I | re.M)
_NO_REPLY = re.compile(r"^(?:no-?reply|do-?not-?reply|forms?|notifications?)@", re.I)


def _valid_email(address: str) -> str | None:
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def _emails(text: str, sender_len: int, own: tuple[str, ...]) -> Finding:
    def ours(address: str) -> bool:
        domain = address.rsplit("@", 1)[-1].lower()
        return any(domain == d or domain.endswith("." + d) for d in own)

    valid: list[Candidate] = []
    invalid: list[Candidate] = []
    for m in _EMAIL_LIKE.finditer(text):
        raw = m.group(0).rstrip(".,")
        if ours(raw) or _NO_REPLY.match(raw) or _quoted(text, m.start()):
            continue
        where = "sender" if m.start() < sender_len else "body"
        normalized = _valid_email(raw)
        if normalized is None:
            invalid.append(Candidate(raw, raw, m.start(), m.start() + len(raw), where))
        else:
            valid.append(Candidate(normalized, raw, m.start(), m.start() + len(raw), where))
    for m in _LABEL_EMAIL.finditer(text):
        given = m.group(1).strip()
        if given and not _EMAIL_LIKE.fullmatch(given.rstrip(".")):
            invalid.append(Candidate(given, given, m.start(1), m.end(1), "labelled"))
    if invalid:
        return Finding(
            "email",
            tuple(valid + invalid),
            None,
            "invalid",
            f"{invalid[0].text!r} is not a valid email address",
        )
    return _decide("email", valid, required=True, what="customer email address")


def _quoted(text: str, at: int) -> bool:
    line_start = text.rfind("\n", 0, at) + 1
    return text[line_start:at].lstrip().startswith(">")


# -- phones ------------------------------------------------------------------------------------

_LABEL_PHONE = re.compile(
    r"(?:^|[\s|·(])(?:tel(?:efon|éfono|efone|efono)?|t[ée]l|phone|mobile|mob|cell|m|fon|"
    r"ph)\.?\s*[:.]?\s*(\+?[\d][\d ()./-]{2,22}\d|\+\d{1,3}\b)",
    re.IGNORECASE,
)
_TLD_REGION = {
    "uk": "GB",
    "de": "DE",
    "fr": "FR",
    "es": "ES",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "se": "SE",
    "pt": "PT",
    "br": "BR",
    "mx": "MX",
    "ca": "CA",
    "au": "AU",
    "ie": "IE",
    "ch": "CH",
    "at": "AT",
    "be": "BE",
    "dk": "DK",
    "no": "NO",
    "fi": "FI",
    "jp": "JP",
    "in": "IN",
    "nz": "NZ",
    "ar": "AR",
    "cl": "CL",
}
_LANGUAGE_REGION = {
    "de": "DE",
    "fr": "FR",
    "es": "ES",
    "it": "IT",
    "nl": "NL",
    "pl": "PL",
    "sv": "SE",
    "pt": "PT",
    "da": "DK",
}


def _region(sender: str, language: str | None, default: str | None) -> str | None:
    address = _EMAIL_LIKE.search(sender)
    if address:
        tld = address.group(0).rsplit(".", 1)[-1].lower()
        if tld in _TLD_REGION:
            return _TLD_REGION[tld]
    if language in _LANGUAGE_REGION:
        return _LANGUAGE_REGION[language]
    return default


def _phones(text: str, body_at: int, region: str | None, default: str | None) -> Finding:
    found: list[Candidate] = []
    spans: list[tuple[int, int]] = []
    own_end = body_at + len(_own_text(text[body_at:]))
    for where in dict.fromkeys((region or "ZZ", default or "ZZ")):
        matcher = phonenumbers.PhoneNumberMatcher(
            text[body_at:own_end], where, leniency=phonenumbers.Leniency.VALID
        )
        for match in matcher:
            start, end = body_at + match.start, body_at + match.end
            if _quoted(text, start) or any(s <= start < e for s, e in spans):
                continue
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            found.append(Candidate(e164, match.raw_string, start, end, f"read as {where}"))
            spans.append((start, end))
    for m in _LABEL_PHONE.finditer(text, body_at, own_end):
        if _quoted(text, m.start(1)) or any(s <= m.start(1) < e for s, e in spans):
            continue
        raw = m.group(1).strip()
        digits = re.sub(r"\D", "", raw)
        if len(digits) >= 4 and not re.fullmatch(r"(?:19|20)\d\d", digits):
            problem = f"{raw!r} looks like a phone number but is not a valid one"
            return Finding("phone", tuple(found), None, "invalid", problem)
    return _decide("phone", found, required=False, what="phone number")


# -- dates -------------------------------------------------------------------------------------

_SIGNUP_CUE = re.compile(
    r"sign(?:ed)?[ -]?up|registered|register|since|customer since|joined|opened|created|"
    r"set up|started|account (?:from|date)|member since|seit|eröffnet|angemeldet|registriert|"
    r"depuis|créé|inscrits?|souscrit|desde|registramos|registrado|creamos|criamos|criada|"
    r"sinds|geregistreerd|aangemeld|dal|registrati|iscritti|od|założyliśmy|zarejestrowaliśmy|"
    r"registrerade|sedan|skapade|le \d|el \d|den \d",
    re.IGNORECASE,
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})\b")
_MONTHS = (
    r"jan(?:uary|uar|vier|eiro|nuari)?|feb(?:ruary|ruar|ruari)?|févr?(?:ier)?|fevereiro|"
    r"mar(?:ch|s|zo|ço|t)?|mär(?:z)?|maart|apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|"
    r"ma[iy]|mei|mayo|maio|maggio|june|juni?|juin|junio|junho|giugno|jul(?:y|i)?|juil(?:let)?|"
    r"julio|julho|luglio|aug(?:ust|ustus)?|ago(?:sto)?|août|sep(?:t(?:ember)?)?|"
    r"sept(?:iembre)?|setembro|settembre|oct(?:ober)?|okt(?:ober)?|octobre|octubre|"
    r"outubro|ottobre|nov(?:ember|embre|iembre|embro)?|dec(?:ember)?|dez(?:ember)?|"
    r"déc(?:embre)?|dic(?:iembre|embre)?|dezembro|gennaio|febbraio|aprile|enero|febrero|"
    r"stycznia|lutego|marca|kwietnia|maja|czerwca|lipca|sierpnia|września|października|"
    r"listopada|grudnia|januari|februari|mars|augusti|oktober|december|juli"
)
_NAMED_DATE = re.compile(
    rf"\b(?:(\d{{1,2}})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?({_MONTHS})\.?,?\s+(?:de\s+)?"
    rf"(\d{{4}})|({_MONTHS})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}))\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RELATIVE = re.compile(
    r"\b(?:(yesterday|today)|(\d{1,2}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve)\s+(day|week)s?\s+ago|last\s+(" + "|".join(_WEEKDAYS) + r"))\b",
    re.IGNORECASE,
)
DMY_LANGUAGES = frozenset({"de", "fr", "es", "it", "nl", "pl", "pt", "sv", "da"})
MDY_REGIONS = frozenset({"US", "CA"})


def _numeric(m: re.Match[str], order: str | None) -> tuple[date | None, str]:
    a, _, b, c = m.groups()
    if len(a) == 4:
        y, mo, d = int(a), int(b), int(c)
        return _make(y, mo, d), "year first"
    y = int(c) if len(c) == 4 else 2000 + int(c)
    first, second = int(a), int(b)
    dmy, mdy = _make(y, second, first), _make(y, first, second)
    if dmy and not mdy:
        return dmy, "day first (the only valid reading)"
    if mdy and not dmy:
        return mdy, "month first (the only valid reading)"
    if dmy is None or first == second:
        return dmy, "day and month are the same"
    if m.group(2) == ".":
        return dmy, "day first, as dotted dates are written"
    if order == "dmy":
        return dmy, "day first, the convention of the message's locale"
    if order == "mdy":
        return mdy, "month first, the convention of the message's locale"
    return None, f"ambiguous: {dmy.isoformat()} or {mdy.isoformat() if mdy else '?'}"


def _make(y: int, mo: int, d: int) -> date | None:
    try:
        return date(y, mo, d)
    except ValueError:
        return None


@cache
def _dateparser() -> Any:
    # Imported on first use (it takes a noticeable moment to load); untyped, hence Any.
    return importlib.import_module("dateparser")


_MONTH_NUMBERS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (1, ("jan", "gennaio", "enero", "stycznia")),
    (2, ("feb", "fév", "fev", "febbraio", "febrero", "lutego")),
    (3, ("mar", "mär", "maart", "marca")),
    (4, ("apr", "avr", "abr", "kwietnia")),
    (5, ("mai", "may", "mei", "maio", "maggio", "maja")),
    (6, ("jun", "juin", "giugno", "czerwca")),
    (7, ("jul", "juil", "luglio", "lipca")),
    (8, ("aug", "ago", "août", "sierpnia")),
    (9, ("sep", "set", "września")),
    (10, ("oct", "okt", "out", "ott", "października")),
    (11, ("nov", "listopada")),
    (12, ("dec", "dez", "déc", "dic", "grudnia")),
)


def _month_number(word: str) -> int | None:
    """The month a name of `_MONTHS` stands for (longest matching prefix wins: "mars" is March,
    "maj" is May)."""
    lowered = word.lower().rstrip(".")
    best: tuple[int, int] | None = None
    for number, prefixes in _MONTH_NUMBERS:
        for prefix in prefixes:
            if lowered.startswith(prefix) and (best is None or len(prefix) > best[1]):
                best = (number, len(prefix))
    return best[0] if best else None


def _named_parts(m: re.Match[str]) -> date | None:
    """A month-name date read from the groups of `_NAMED_DATE` (day month year, or month day
    year), without dateparser: the month names are the ones the pattern lists."""
    day, month, year = (m.group(1), m.group(2), m.group(3)) if m.group(1) else m.group(5, 4, 6)
    number = _month_number(month)
    if number is None:
        return None
    return _make(int(year), number, int(day))


def _named(span: str, language: str | None) -> date | None:
    languages = [language, "en"] if language and language != "en" else ["en"]
    settings = {"PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["day", "month", "year"]}
    cleaned = re.sub(r"(\d)(?:st|nd|rd|th|º)\b", r"\1", span)
    try:
        parsed = _dateparser().parse(cleaned, languages=languages, settings=settings)
    except (ValueError, LookupError):
        parsed = None
    if parsed is None:
        parsed = _dateparser().parse(cleaned, settings=settings)
    return parsed.date() if parsed is not None else None


def _relative(m: re.Match[str], today: date) -> date:
    word, count, unit, weekday = m.groups()
    if word:
        return today - timedelta(days=1 if word.lower() == "yesterday" else 0)
    if weekday:
        back = (today.weekday() - _WEEKDAYS.index(weekday.lower())) % 7 or 7
        return today - timedelta(days=back)
    n = int(count) if count.isdigit() else _NUMBER_WORDS[count.lower()]
    return today - timedelta(days=n * (7 if unit.lower() == "week" else 1))


def _dates(
    text: str,
    body_at: int,
    today: date,
    language: str | None,
    region: str | None,
    default_region: str | None,
) -> Finding:
    own_end = body_at + len(_own_text(text[body_at:]))
    if language in DMY_LANGUAGES or (region is not None and region not in MDY_REGIONS):
        order: str | None = "dmy"
    elif region in MDY_REGIONS or (language == "en" and default_region in MDY_REGIONS):
        order = "mdy"
    else:
        order = None
    found: list[tuple[Candidate, bool]] = []  # (candidate, cued)
    ambiguous: list[Candidate] = []
    own = text[body_at:own_end]
    spans: list[tuple[int, re.Match[str]]] = []
    spans += [(0, m) for m in _NUMERIC_DATE.finditer(own)]
    spans += [(1, m) for m in _NAMED_DATE.finditer(own)]
    spans += [(2, m) for m in _RELATIVE.finditer(own)]
    for kind, m in sorted(spans, key=lambda s: s[1].start()):
        start, end = body_at + m.start(), body_at + m.end()
        line_start = text.rfind("\n", 0, start) + 1
        line = text[line_start : text.find("\n", end) if "\n" in text[end:] else len(text)]
        if re.match(r"\s*(?:date|sent|datum|fecha)\s*:", line, re.IGNORECASE):
            continue  # a forwarded header, not something the customer said
        before = re.split(r"[.!?;]\s", text[max(line_start, start - 70) : start])[-1]
        cued = bool(_SIGNUP_CUE.search(before))
        if kind == 0:
            value, note = _numeric(m, order)
            if value is None and note.startswith("ambiguous"):
                ambiguous.append(Candidate("", m.group(0), start, end, note))
                continue
        elif kind == 1:
            value, note = _named_parts(m) or _named(m.group(0), language), "month name"
        else:
            if (
                m.group(1)
                and m.group(1).lower() == "today"
                and not _SIGNUP_CUE.search(before[-25:])
            ):
                continue  # "we're on Pro today" says nothing about the signup
            value, note = _relative(m, today), f"counted from the arrival day {today}"
        if value is None:
            continue
        found.append((Candidate(value.isoformat(), m.group(0), start, end, note), cued))
    cued_only = [c for c, cued in found if cued]
    chosen = cued_only or [c for c, _ in found]
    if ambiguous and not chosen:
        return Finding(
            "signup_date",
            tuple(ambiguous),
            None,
            "ambiguous",
            f"{ambiguous[0].text!r} reads either way ({ambiguous[0].note.split(': ')[1]})",
        )
    finding = _decide("signup_date", chosen, required=True, what="signup date")
    if finding.value is not None:
        day = date.fromisoformat(finding.value)
        if day > today:
            return Finding(
                "signup_date",
                finding.candidates,
                None,
                "invalid",
                f"{finding.value} is after the day the message arrived ({today})",
            )
        if day < date(2000, 1, 1):
            return Finding(
                "signup_date",
                finding.candidates,
                None,
                "invalid",
                f"{finding.value} is before the service existed (2000-01-01)",
            )
    return finding


# -- plans -------------------------------------------------------------------------------------

PLAN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "free": (
        "free",
        "gratis",
        "gratuit",
        "gratuite",
        "gratuito",
        "kostenlos",
        "kostenlose",
        "darmowy",
        "gratuita",
        "gratuitement",
    ),
    "starter": ("starter", "startplan", "einsteiger", "débutant"),
    "pro": ("pro", "professional", "profesional", "professionnel"),
    "enterprise": ("enterprise", "entreprise", "empresa", "unternehmen", "azienda"),
}
"""Each plan's names, in the languages the intake reads (lower case)."""

_PLAN_NOUN = (
    r"plan|planen|tier|subscription|version|account|acct|customer|contract|contrat|contrato|"
    r"agreement|vertrag|-?vertrag|"
    r"tarif|tarifa|abonnement|abonnemang|abbonamento|plano|piano|offre|formule|paket|"
    r"package|licen[cs]e|edition|-?abonnement|-?contract|-?tarif|-?planen"
)
_UNKNOWN_PLAN = (
    r"premium|business|basic|gold|silver|platinum|team|plus|ultimate|standard|growth|"
    r"professional plus|advanced|elite|essentials?"
)
_ALL_PLAN_WORDS = "|".join(
    sorted({w for ws in PLAN_SYNONYMS.values() for w in ws}, key=len, reverse=True)
)
_PLAN_MENTION = re.compile(
    rf"(?:\b(?:current plan|plan|tier|subscription|tarif)\s*:\s*(?:an?\s+|the\s+)?"
    rf"({_ALL_PLAN_WORDS}|{_UNKNOWN_PLAN}|\w+)"
    rf"|\b(?:plan|tier|subscription|account|acct)\s+is\s+(?:an?\s+|the\s+|on\s+(?:the\s+)?)?"
    rf"({_ALL_PLAN_WORDS}|{_UNKNOWN_PLAN})\b"
    rf"|\b(?:on|the|our|a|an|den|das|le|la|el|il|o|het|een|plan|plano|piano|planen|formule|using|to|"
    rf"offre|tarif|abonnement|contrat|contrato|contract|contratto)\s+\(?({_ALL_PLAN_WORDS})\)?(?![\w-])"
    rf"|\b({_ALL_PLAN_WORDS}|{_UNKNOWN_PLAN})[\s-]*(?:{_PLAN_NOUN})\b"
    rf"|[(\[]({_ALL_PLAN_WORDS})[)\]]"
    rf"|(?:^|:\s*)({_ALL_PLAN_WORDS}|{_UNKNOWN_PLAN})\s*,)",
    re.IGNORECASE | re.MULTILINE,
)
_ASKED_PLAN = re.compile(
    r"\b(?:upgrade|switch|move|downgrade|change|go|going)\s+(?:up\s+|back\s+)?to\s*"
    r"(?:the\s+|a\s+)?$",
    re.IGNORECASE,
)
_NOT_A_PLAN = re.compile(r"feel free|free of charge|for free|free to|free trial|sugar-free", re.I)


def _plan_of(word: str) -> str | None:
    lowered = word.lower().strip("-")
    for plan, words in PLAN_SYNONYMS.items():
        if lowered in words:
            return plan
    return None


def _plans(text: str, body_at: int, subject_at: int) -> Finding:
    own_end = body_at + len(_own_text(text[body_at:]))
    found: list[Candidate] = []
    unknown: list[Candidate] = []
    for region_start, region_end in ((subject_at, body_at), (body_at, own_end)):
        for m in _PLAN_MENTION.finditer(text, region_start, region_end):
            word = next(g for g in m.groups() if g)
            start = m.start() + m.group(0).lower().find(word.lower())
            context = text[max(0, start - 10) : start + len(word) + 10]
            if _NOT_A_PLAN.search(context):
                continue
            if _ASKED_PLAN.search(text[max(0, start - 30) : start]):
                continue  # a plan asked about, not the one they are on
            plan = _plan_of(word)
            candidate = Candidate(plan or word, word, start, start + len(word), m.group(0))
            (found if plan else unknown).append(candidate)
    if unknown and not found:
        return Finding(
            "plan",
            tuple(unknown),
            None,
            "invalid",
            f"{unknown[0].text!r} is not one of our plans (free, starter, pro, enterprise)",
        )
    return _decide("plan", found, required=True, what="plan")


# -- language ----------------------------------------------------------------------------------

LANGUAGES = ("en", "de", "fr", "es", "pt", "it", "nl", "pl", "sv", "da")


@cache
def _detector() -> Any:
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    codes = [getattr(IsoCode639_1, code.upper()) for code in LANGUAGES]
    # Trigram models only: loading the 1- to 5-gram models of ten languages takes over 4 s
    # (a whole dry run's budget), and on the bundled set the two modes disagree only on
    # gibberish too short to be in any language.
    return LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode().build()


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language (among `LANGUAGES`), or None."""
    found = _detector().detect_language_of(text)
    return None if found is None else str(found.iso_code_639_1.name.lower())


# -- names and companies -----------------------------------------------------------------------

_NAME_WORD = r"[A-ZÀ-ÖØ-ÞŁŚŻŹĆŃ][\w'\u2019-]+"
_FULL_NAME = (
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:van|von|de|der|den|da|di|del|le|la)[ \t]+)*{_NAME_WORD}){{1,3}}"
)
# The introduction is matched in any case, the name only capitalized ("I'm Tara Lee", not the
# "im" of "import contacts from").
_SELF_INTRO = re.compile(
    rf"(?i:\bI'?m|\bI am|\bmy name is|\bthis is|\bnazywam się|\bje suis|\bje m'appelle|"
    rf"\bich bin|\bmein name ist|\bsoy|\bme llamo|\bmi chiamo|\bsono|\bmijn naam is|\bik ben|"
    rf"\bmeu nome é|\bsou|\bjag heter|\bjag är|\bname|\bfull name|\bnombre|\bnom)\b"
    rf"[ \t]*:?[ \t]*({_FULL_NAME})"
)
_LABEL_COMPANY = re.compile(
    r"^[ \t-]*(?:company|firma|empresa|société|entreprise|azienda|bedrijf|företag)\s*:[ \t]*"
    r"(.*)$",
    re.I | re.M,
)
_AT_COMPANY = re.compile(
    rf"(?:\b(?:at|from|with|work for|bei|von|chez|de la|de|van|da|w firmie|firmie|på)\s+)"
    rf"((?:{_NAME_WORD}|&)(?:[ \t]+(?:{_NAME_WORD}|&|of|and|del|de|van)){{0,4}})"
)


def _clean_name(text: str) -> str:
    # Quotes around a name go; an apostrophe inside one stays (O'Connor, D'Angelo).
    return " ".join(re.sub(r"[\"<>]|(?<!\w)'|'(?!\w)", " ", text).split())


_JOB_TITLE = re.compile(
    r"\b(?:ceo|cto|cfo|coo|cio|cmo|vp|founder|co-?founder|owner|manager|director|head|partner|"
    r"president|chief|lead|officer|assistant|coordinator|administrator|admin|engineer|"
    r"developer|accountant|consultant|secretary|analyst|specialist|representative|geschäftsführer\w*|inhaber\w*|leiter\w*|"
    r"g[ée]rante?|directeur|directrice|responsable|gerente|directora?|jefe|jefa|propietari\w*|"
    r"fondat\w*|gründer\w*|socio|socia|associée?|eigenaar|directeur|właściciel\w*|"
    r"kierownik|prezes|vd|ägare|titolare|amministratore)\b",
    re.IGNORECASE,
)
_COMPANY_CUE = re.compile(
    r"(?i:\b(?:work(?:ing)? (?:for|at)|travaille (?:chez|pour)|arbeite (?:bei|für)|"
    r"trabajo (?:en|para)|w firmie|firmy|jobbar (?:på|för)|werk (?:bij|voor)|lavoro (?:presso|per)|"
    rf"trabalho (?:na|no|para)|on behalf of|namens)\b)[ \t]+((?:{_NAME_WORD}|&)"
    rf"(?:[ \t]+(?:{_NAME_WORD}|&|of|and|del|de|van|di|y)){{0,4}})"
)
_NEAR_NAME_COMPANY = re.compile(
    rf"^[ \t,]*(?:[\w -]{{0,30}}?\b)?(?:at|from|with|bei|von|chez|de|del|van|di|da|på|w)[ \t]+"
    rf"((?:{_NAME_WORD}|&)(?:[ \t]+(?:{_NAME_WORD}|&|of|and|del|de|van|di|y)){{0,4}})"
)
_LEGAL_FORM = re.compile(
    r"(?:\b(?:gmbh|ag|kg|ug|llc|llp|ltd|inc|corp|plc|sarl|sas|srl|spa|bv|nv|ab|oy|as|aps|"
    r"sp\. z o\.o|s\.l|s\.a|s\.r\.l|lda|co)\b\.?)\s*$",
    re.IGNORECASE,
)
_GENERIC_DOMAINS = frozenset(
    [
        "gmail",
        "googlemail",
        "hotmail",
        "outlook",
        "live",
        "yahoo",
        "icloud",
        "me",
        "mac",
        "aol",
        "gmx",
        "web",
        "t-online",
        "proton",
        "protonmail",
        "mail",
        "free",
        "orange",
        "wanadoo",
        "laposte",
        "sfr",
        "yandex",
        "zoho",
        "msn",
    ]
)


def _compact(text: str) -> str:
    """Letters and digits only, without accents, lower case ("Bäckerei Krüger": baeckereikrueger
    and backereikruger both match)."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


def _domain_label(sender: str) -> str | None:
    """The sender's own domain name (``acme`` of ``jo@mail.acme.co.uk``), None for webmail."""
    address = _EMAIL_LIKE.search(sender)
    if address is None:
        return None
    labels = address.group(0).rsplit("@", 1)[-1].lower().split(".")
    while len(labels) > 1 and (len(labels[-1]) <= 3 or labels[-1] in {"energy", "media", "tech"}):
        labels.pop()
        if len(labels) == 1:
            break
    label = _compact(labels[-1]) if labels else ""
    return None if not label or label in _GENERIC_DOMAINS else label


def _matches_domain(value: str, label: str | None) -> bool:
    """Whether a company-like value is the one the sender's domain names."""
    if not label or len(label) < 4:
        return False
    compact = _compact(value)
    umlauts = _compact(value.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue"))
    first = _compact(value.split()[0]) if value.split() else ""
    return any(
        c
        and (
            c.startswith(label)
            or label.startswith(c)
            or (len(first) >= 4 and label.startswith(first))
        )
        for c in (compact, umlauts)
    )


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    start: int


def _signature_lines(text: str, body_at: int, signature: tuple[int, str]) -> list[_Line]:
    offset, block = signature
    lines: list[_Line] = []
    for m in re.finditer(r"^.+$", block, re.MULTILINE):
        for part in re.split(r"\s*[|·]\s*", m.group(0)):
            cleaned = part.strip(" -\u2013—\t")
            if cleaned:
                at = body_at + offset + m.start() + m.group(0).find(cleaned)
                lines.append(_Line(cleaned, at))
    return lines


def _contact_line(text: str) -> bool:
    return bool(re.search(r"\d|@|https?:|www\.|confidential|sent from|submitted via", text, re.I))


def _names(
    text: str, sender: str, body_at: int, lines: list[_Line], domain: str | None
) -> list[Candidate]:
    found: list[Candidate] = []
    display = re.match(r"\s*\"?([^<\"@]+?)\"?\s*<", sender)
    if display and not re.search(r"brightdesk|forms?\b|support|no-?reply", display.group(1), re.I):
        name = _clean_name(display.group(1))
        at = text.find(display.group(1))
        found.append(Candidate(name, display.group(1), at, at + len(display.group(1)), "sender"))
    own = _own_text(text[body_at:])
    for m in _SELF_INTRO.finditer(own):
        raw = m.group(1).split("\n")[0]
        raw = re.split(r"\s+(?:at|from|with|de|von|van|and|und|et|y|e|i|och|en|di)\s+", raw)[0]
        words = raw.split()
        if 2 <= len(words) <= 4 and not _matches_domain(raw, domain):
            start = body_at + m.start(1)
            found.append(Candidate(" ".join(words), raw, start, start + len(raw), "introduction"))
    # The signer is the first name-like line of the signature; a later one is a company
    # ("Meridian Health Partners") unless it is the same person written out.
    known_first = {c.value.split()[0].casefold() for c in found}
    signer_seen = False
    for line in lines:
        if not re.fullmatch(_FULL_NAME, line.text) or len(line.text.split()) > 4:
            if not _contact_line(line.text) and len(line.text.split()) == 1:
                known_first.add(line.text.casefold())  # "Chloe" signs, "Chloe Dubois" follows
            continue
        first = line.text.split()[0].casefold()
        same_person = first in known_first
        if _matches_domain(line.text, domain) and not same_person:
            continue
        if signer_seen and not same_person:
            continue
        signer_seen = True
        known_first.add(first)
        found.append(
            Candidate(line.text, line.text, line.start, line.start + len(line.text), "signature")
        )
    unique: dict[str, Candidate] = {}
    for c in found:
        unique.setdefault(c.value.casefold(), c)
    return list(unique.values())


def _company_parts(line: str) -> list[str]:
    """A signature line without its job title: "Managing Partner, Atlas Freight" gives
    "Atlas Freight", "CTO" gives nothing."""
    parts = re.split(r"\s*,\s*|\s+(?:at|@|bei|chez|en|på|w)\s+", line)
    return [p for p in parts if p and (_LEGAL_FORM.search(p) or not _JOB_TITLE.search(p))]


def _companies(
    text: str,
    body_at: int,
    lines: list[_Line],
    names: Iterable[Candidate],
    domain: str | None,
    own: tuple[str, ...],
) -> list[Candidate]:
    taken = {n.value.casefold() for n in names}
    first_names = {n.value.split()[0].casefold() for n in names if n.value.split()}
    ours = {_compact(d.split(".")[0]) for d in own}
    found: list[Candidate] = []

    def add(value: str, start: int, note: str) -> None:
        value = value.strip(" ,;:")
        if value.endswith(".") and not _LEGAL_FORM.search(value):
            value = value[:-1]
        if (
            len(value) < 2
            or value.casefold() in taken
            or value.casefold() in first_names
            or _compact(value) in ours
            or _CLOSING.fullmatch(value)
            or _contact_line(value)
        ):
            return
        found.append(Candidate(value, value, start, start + len(value), note))

    for m in _LABEL_COMPANY.finditer(text, body_at):
        add(m.group(1), m.start(1), "labelled")
    for line in lines:
        if _contact_line(line.text) or line.text.casefold() in taken or line.text.endswith(":"):
            continue
        if len(line.text.split()) > 10 or not line.text[0].isupper():
            continue
        for part in _company_parts(line.text):
            if part[0].isupper() and len(part.split()) <= 6:
                add(part, line.start + line.text.find(part), "signature")
    own_text = _own_text(text[body_at:])
    for m in _COMPANY_CUE.finditer(own_text):
        add(m.group(1), body_at + m.start(1), "introduction")
    for name in names:
        if name.note != "introduction":
            continue
        tail = text[name.end : name.end + 80]
        near = _NEAR_NAME_COMPANY.match(tail)
        if near:
            add(near.group(1), name.end + near.start(1), "introduction")
    unique: dict[str, Candidate] = {}
    for c in found:
        unique.setdefault(c.value.casefold(), c)
    listed = list(unique.values())
    # The company the sender's domain names first: the likeliest choice.
    return sorted(listed, key=lambda c: not _matches_domain(c.value, domain))


_SUBJECT_PREFIX = re.compile(
    r"^(?:\s*(?:re|fw|fwd|aw|wg|tr|rv|sv|vs|urgent|dringend|urgente)\s*:|\s*\[[^\]]*\]"
    r"|\s*contact form\s*:)+",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"\b(?:please|pls|can you|could you|would you|can we|could we|is it possible|how (?:do|can)|"
    r"i'?d like|we'?d like|i would like|we would like|i want|we want|i need|we need|need|"
    r"bitte|können sie|könnten sie|wir möchten|ich möchte|wir brauchen|ich brauche|"
    r"pourriez-vous|pouvez-vous|nous souhaitons|je souhaite|je voudrais|nous voudrions|merci de|"
    r"pueden|podrían|puede|necesito|necesitamos|queremos|quisiera|quisiéramos|"
    r"possono|potete|vorremmo|vorrei|podem|poderiam|gostaríamos|queremos|graag|kunnen jullie|"
    r"proszę|prosimy|vi vill|kan ni)\b|\?",
    re.IGNORECASE,
)
# "In case you need it: we are on Pro" offers context, it asks for nothing.
_ASIDE = re.compile(
    r"\b(?:in case you need|if you need|should you need|falls sie|au cas où|"
    r"por si (?:lo )?necesitan|caso precisem)\b",
    re.IGNORECASE,
)
SUMMARY_LIMIT = 120


def _clip_sentence(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= SUMMARY_LIMIT:
        return text
    cut = text[:SUMMARY_LIMIT]
    for mark in (";", ",", " "):
        at = cut.rfind(mark)
        if at > 40:
            return cut[:at].rstrip(" ,;")
    return cut


def summaries(
    subject: str, subject_at: int, own: str, own_at: int, signature_at: int
) -> list[Candidate]:
    """What the customer asks for, in their own words: the sentences of their own text that
    make a request, then the subject line (without Re:/Fwd:/[tags]); each at most
    `SUMMARY_LIMIT` characters. The model chooses one; it does not write one."""
    found: list[Candidate] = []
    body = own[:signature_at]
    for m in re.finditer(r"[^.!?\n]+[.!?]?", body):
        sentence = m.group(0).strip()
        if len(sentence.split()) >= 3 and _REQUEST.search(sentence) and not _ASIDE.search(sentence):
            start = own_at + m.start() + m.group(0).find(sentence)
            end = start + len(sentence)
            found.append(Candidate(_clip_sentence(sentence), sentence, start, end, "request"))
    topic = _SUBJECT_PREFIX.sub("", subject).strip(" -:")
    if topic:
        end = subject_at + len(subject)
        found.append(Candidate(_clip_sentence(topic), subject, subject_at, end, "subject"))
    unique: dict[str, Candidate] = {}
    for c in found:
        unique.setdefault(c.value.casefold(), c)
    return list(unique.values())[:4]


def _is_ours(address: str, own: tuple[str, ...]) -> bool:
    found = _EMAIL_LIKE.search(address)
    if not found:
        return False
    domain = found.group(0).rsplit("@", 1)[-1].lower()
    return any(domain == d or domain.endswith("." + d) for d in own)


_FORWARD_HEADER = re.compile(r"^(?:from|von|de|van|da)\s*:\s*(.+)$", re.I | re.M)


def _forwarded(text: str, body_at: int, sender: str) -> tuple[str, int]:
    """(sender, offset of the body) of the message forwarded inside ``text``, if any."""
    marker = _QUOTE_START.search(text, body_at)
    if marker is None:
        return sender, body_at
    header = _FORWARD_HEADER.search(text, marker.end())
    if header is None:
        return sender, body_at
    blank = text.find("\n\n", header.end())
    return header.group(1).strip(), (blank + 2 if blank != -1 else header.end())


# -- all of it -------------------------------------------------------------------------------


def gather(
    sender: str,
    subject: str,
    body: str,
    received_on: date,
    *,
    own_domains: Iterable[str] = (),
    default_region: str | None = "US",
) -> EvidenceSet:
    """The evidence of one message (as rendered by ``Inbox``: From, Subject, body).

    ``default_region`` is the region assumed for a phone number or a numeric date when nothing
    in the message says otherwise (``None``: such dates stay ambiguous).
    """
    sender_line = f"From: {sender}"
    subject_at = len(sender_line) + len("\nSubject: ")
    text = f"{sender_line}\nSubject: {subject}\n\n{body.strip()}"
    body_at = text.index("\n\n") + 2
    own = tuple(d.lower() for d in own_domains)
    if _is_ours(sender, own):
        # A colleague passed a customer's message on: the customer is in the forwarded part.
        sender, body_at = _forwarded(text, body_at, sender)
    content = _own_text(text[body_at:])
    language = detect_language(f"{subject}\n{content}")
    region = _region(sender, language, None)
    signature = _signature(text[body_at:])
    lines = _signature_lines(text, body_at, signature)
    domain = _domain_label(sender)
    names = _names(text, sender, body_at, lines, domain)
    findings = {
        "email": _emails(text, len(sender_line), own),
        "phone": _phones(text, body_at, region, default_region),
        "plan": _plans(text, body_at, subject_at),
        "signup_date": _dates(text, body_at, received_on, language, region, default_region),
        "language": Finding(
            "language",
            (),
            language,
            None if language else "missing",
            "" if language else "the language could not be told",
        ),
        "full_name": Finding("full_name", tuple(names)),
        "summary": Finding(
            "summary",
            tuple(
                summaries(
                    subject,
                    subject_at,
                    content,
                    body_at,
                    signature[0] if signature[1] else len(content),
                )
            ),
        ),
        "company": Finding("company", tuple(_companies(text, body_at, lines, names, domain, own))),
    }
    return EvidenceSet(text, findings)

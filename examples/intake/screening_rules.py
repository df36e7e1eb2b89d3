"""The screening rules: deterministic checks of text before any model's answer is trusted.

A model cannot be relied on to notice that a message is trying to instruct it, so injection is
detected by these rules over the text, never by the model alone. They also spot junk (spam,
scams, auto-replies, bounces) and messages about several customers at once. The `Screening`
concept applies them to a message, and `Evidence` to a model's answer; both import them from
here, since concepts never import each other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["INJECTION_RULES", "JUNK_RULES", "screen_answer", "screen_text"]


def _rules(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE | re.DOTALL) for p in patterns)


_ADDRESSEE = (
    r"(?:\bai\b|a\.i\.|assistant|language model|\bllm\b|chatbot|\bbot\b|automated systems?"
    r")"
)

# Text aimed at a model rather than at people: overriding instructions, addressing the
# assistant, fake system or role markers, and content hidden from a human reader.
INJECTION_RULES = _rules(
    r"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:instructions?|rules|prompts?"
    r"|text above|the above|schema)\b",
    r"\bignor(?:a|ez|iere|eer|e)\b[^.\n]{0,30}\b(?:instrucciones|instructions|anweisungen"
    r"|instructies|istruzioni|instruções)\b",
    r"\b(?:olvida|oubliez|vergiss)\b[^.\n]{0,30}\b(?:instrucciones|instructions|anweisungen)\b",
    rf"\b(?:to|for|dear|attention|note for|instructions? for)\s+(?:the\s+|all\s+|any\s+)?"
    rf"{_ADDRESSEE}",
    rf"\bif you are an? {_ADDRESSEE}",
    rf"\b{_ADDRESSEE}s?\b[^.\n]{{0,40}}\b(?:must|should|shall|is to|are to)\b",
    rf"\[\s*{_ADDRESSEE}[^\]]*\]",
    rf"^\s*{_ADDRESSEE}\s*:",
    rf"<span[^>]*>\s*{_ADDRESSEE}\s*:",
    r"\bsystem\s*(?:note|prompt|message|override)\b",
    r"(?:^|[#\s<\[(])system\s*[:>\]]",
    r"</?\s*(?:system|email|instructions?|prompt)\s*>",
    r"\bdeveloper mode\b|\bjailbreak\b|\bAI-OVERRIDE\b",
    r"\b(?:respond|reply|answer|output)\s+only\s+with\b",
    r"\bdo not mention this\b",
    r"\b(?:skip|bypass|without)\s+(?:the\s+)?(?:review|checks|validation)\b",
    r"\bpre-?approved by\b",
    r"<!--.*?-->",
    r"font-size\s*:\s*[0-2](?:px|pt)\b|color\s*:\s*#?(?:fff|ffffff|white)\b|display\s*:\s*none",
)

# Mail that is not from a customer at all.
JUNK_RULES = _rules(
    r"\bmailer-daemon\b|\bpostmaster@|undelivered mail|delivery status notification"
    r"|could not be delivered to one or more recipients",
    r"\bautomatic reply\b|\bauto-?reply\b|\bout of (?:the )?office\b|\babwesenheitsnotiz\b",
    r"\bread receipt\b|\bwas read on\b",
    r"\bunsubscribe\b|\bnewsletter\b|\bwebinar\b",
    r"\bcongratulations\b.{0,80}\b(?:won|winner|selected)\b|\bclaim (?:your )?prize\b"
    r"|\blottery\b|\bprocessing fee\b",
    r"\bbitcoin\b|\bcrypto(?:currency)?\b.{0,60}\b(?:double|opportunity|wallet)\b",
    r"\b(?:guaranteed|limited slots|act now|click here|clique aqui|book before)\b",
    r"\bseo\b.{0,80}\branking\b|\bfirst page of google\b",
    r"\boutsourcing company\b|\bschedule a 15-minute call\b",
    r"\bverify|bestätigen sie ihre daten|\baccount (?:has been|was) (?:suspended|locked)"
    r"|\bkonto wurde gesperrt\b",
    r"\bcustoms fee\b|\bparcel is held\b",
    r"\bganhe\b|\bearn \$?\d[\d,.]* (?:a|per) (?:week|day)\b",
    r"(?m)^\W*test(?:\W+test)*\W+please ignore\W*$",
)

_CUSTOMER_SIGNAL = re.compile(
    r"\b(?:plan|tier|subscription|account|signed up|sign(?:ed)? up|customer since|registered"
    r"|free|starter|pro|enterprise|tarif|konto|cuenta|compte|abonnement|conta|abbonamento"
    r"|piano|plano|abonnemang|konto|invoice|factura|rechnung|facture|fattura|fatura|faktura)\b",
    re.IGNORECASE,
)
# Anything a customer of a software service writes about, in the languages the intake reads
# (word starts): a message with none of it is not about the service at all (a personal note
# sent to the wrong address), and nothing in it could become a customer record.
_SERVICE_WORD = re.compile(
    r"\b(?:brightdesk|account|acct|plan|tier|subscri|sign|regist|login|log in|password|user|seat|"
    r"invoice|bill|charg|refund|pay|price|pricing|card|cancel|renew|upgrad|downgrad|trial|export|"
    r"import|data|app|integrat|api|feature|setting|dashboard|report|workspace|support|help|"
    r"error|bug|crash|issue|problem|broken|not working|fix|question|request|custom|client|"
    r"team|company|compan|order|update|email|notif|access|delet|gdpr|secur|sso|"
    r"konto|rechnung|kunde|abo|vertrag|tarif|hilfe|fehler|anmeld|passwort|nutzer|benutzer|"
    r"compte|factur|abonnement|aide|erreur|mot de passe|utilisateur|contrat|offre|"
    r"cuenta|factura|suscrip|ayuda|contraseña|usuario|cliente|contrato|cobr|"
    r"conta|fatura|plano|ajuda|senha|piano|fattura|utent|aiuto|rekening|gebruiker|"
    r"faktur|abonnemang|användar|hjälp)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
_VOWELS = set("aeiouyäöüéèáíóúàâêîôûåø")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _gibberish(text: str) -> bool:
    """Keyboard mash: few real words, or words with no vowels and repeated fragments."""
    words = _WORD.findall(text.lower())
    if not words:
        return True
    voiceless = sum(1 for w in words if not set(w) & _VOWELS or len(set(w)) <= 2)
    distinct = len(set(words)) / len(words)
    return len(words) < 12 and (voiceless / len(words) > 0.3 or distinct < 0.6)


def _first(rules: Iterable[re.Pattern[str]], text: str) -> str | None:
    for rule in rules:
        found = rule.search(text)
        if found:
            return " ".join(found.group(0).split())[:80]
    return None


def screen_text(
    sender: str, subject: str, body: str, own_domains: Iterable[str] = ()
) -> tuple[str, str]:
    """The verdict on one message and the evidence for it (a quote or a count)."""
    text = f"{subject}\n{body}"
    injected = _first(INJECTION_RULES, body) or _first(INJECTION_RULES, subject)
    if injected is not None:
        return "injection", f"text aimed at a model: {injected!r}"
    junk = _first(JUNK_RULES, f"{sender}\n{text}")
    if junk is not None:
        return "junk", f"not a customer message: {junk!r}"
    if _gibberish(body) and not _CUSTOMER_SIGNAL.search(text):
        return "junk", "not a customer message: no readable request"
    if not _SERVICE_WORD.search(text):
        return "junk", "not a customer message: nothing in it concerns the service"
    own = tuple(d.lower() for d in own_domains)
    addresses = (
        {
            a.lower()
            for a in _EMAIL.findall(f"{sender}\n{body}")
            if not a.lower().rsplit("@", 1)[-1].endswith(own)
        }
        if own
        else {a.lower() for a in _EMAIL.findall(f"{sender}\n{body}")}
    )
    if len(addresses) >= 2:
        listed = ", ".join(sorted(addresses)[:3])
        return "several_customers", f"{len(addresses)} customer addresses: {listed}"
    return "clean", ""


def screen_answer(text: str) -> str | None:
    """The quote of text aimed at a model inside a model's answer, or None.

    A model that read an injected message may carry the instruction into a free-text field;
    the same rules as for the message apply to what it answered.
    """
    return _first(INJECTION_RULES, text)

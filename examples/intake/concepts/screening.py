"""Screening: deterministic checks of a message before any model's answer is trusted.

A model cannot be relied on to notice that a message is trying to instruct it, so injection is
detected here, by rules over the message text (`examples.intake.screening_rules`), and never by
the model alone. The same concept spots junk (spam, scams, auto-replies, bounces) and messages
about several customers at once.
"""

from __future__ import annotations

from collections.abc import Iterable

from typing_extensions import TypedDict

from accord import Concept, action
from examples.intake.screening_rules import screen_text

__all__ = ["Screened", "Screening"]


class Screened(TypedDict):
    message: str
    verdict: str  # clean | injection | junk | several_customers
    reason: str


class Screening(Concept):
    """Rule-based screening of incoming messages (no state, no model)."""

    def __init__(self, own_domains: Iterable[str] = ()) -> None:
        self.own_domains = tuple(own_domains)

    @action
    def screen(self, message: str, sender: str, subject: str, body: str) -> Screened:
        """Clean, or flagged as injection, junk or several customers, with the evidence."""
        verdict, reason = screen_text(sender, subject, body, self.own_domains)
        return {"message": message, "verdict": verdict, "reason": reason}

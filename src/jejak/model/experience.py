"""Experience signals: touchpoints that say how an interaction felt, as good/neutral/bad.

``experience:`` in ``jejak.yaml`` is an ordered list of rules; a touchpoint takes the
verdict (``is``) of the first rule it matches, and touchpoints no rule matches carry no
experience signal. A rule is a journey rule (event, channel, ..., ``where`` on
properties) plus ``is: good | neutral | bad``. The defaults read review stars, NPS and
CSAT answers, support tickets (``resolved``), failed payments and complaints.
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from jejak.model.journey import Rule

Verdict = Literal["good", "neutral", "bad"]
VERDICTS: tuple[str, ...] = ("good", "neutral", "bad")


class ExperienceRule(Rule):
    """Touchpoints matching the rule had a ``good``, ``neutral`` or ``bad`` experience."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    is_: Verdict = Field(alias="is")


def default_rules() -> list[ExperienceRule]:
    """Review stars (4-5 good, 3 neutral, 1-2 bad) and NPS (9-10, 7-8, 0-6) of the review
    and nps roles (their rating and score properties, whatever the shop calls them), CSAT (4-5, 3,
    1-2), support tickets resolved or not, failed payments and complaints (bad)."""
    rules = [
        {"role": "review", "where": {"rating": {"gte": 4}}, "is": "good"},
        {"role": "review", "where": {"rating": 3}, "is": "neutral"},
        {"role": "review", "where": {"rating": {"lte": 2}}, "is": "bad"},
        {"role": "nps", "where": {"score": {"gte": 9}}, "is": "good"},
        {"role": "nps", "where": {"score": {"gte": 7}}, "is": "neutral"},
        {"role": "nps", "where": {"score": {"lte": 6}}, "is": "bad"},
        {"event": "csat_response", "where": {"score": {"gte": 4}}, "is": "good"},
        {"event": "csat_response", "where": {"score": 3}, "is": "neutral"},
        {"event": "csat_response", "where": {"score": {"lte": 2}}, "is": "bad"},
        {"event": "support_ticket", "where": {"resolved": True}, "is": "good"},
        {"event": "support_ticket", "where": {"resolved": False}, "is": "bad"},
        {"event": ["payment_failed", "complaint", "delivery_failed", "return_requested"],
         "is": "bad"},
    ]  # fmt: skip
    return [ExperienceRule.model_validate(rule) for rule in rules]

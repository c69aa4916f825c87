"""Which touchpoints are messages the shop sent, and what people did with them.

``contact:`` in ``jejak.yaml`` names the events of each kind; the defaults follow the
usual email, SMS and push exports. A message's ``channel`` and ``campaign`` fields group
it; opens, clicks and unsubscribes carry the campaign of the message they answer.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jejak.language import gettext

KINDS = ("sent", "delivered", "opened", "clicked", "unsubscribed", "complained")


class ContactEvents(BaseModel):
    """Event names per kind of contact touchpoint."""

    model_config = ConfigDict(extra="forbid")

    sent: list[str] = Field(default_factory=lambda: ["email_sent", "sms_sent", "push_sent"])
    delivered: list[str] = Field(
        default_factory=lambda: ["email_delivered", "sms_delivered", "push_delivered"]
    )
    opened: list[str] = Field(default_factory=lambda: ["email_open", "push_open"])
    clicked: list[str] = Field(default_factory=lambda: ["email_click", "sms_click", "push_click"])
    unsubscribed: list[str] = Field(
        default_factory=lambda: ["unsubscribe", "email_unsubscribe", "sms_optout", "push_optout"]
    )
    complained: list[str] = Field(default_factory=lambda: ["spam_complaint"])
    # event name -> channel, for messages named per channel (a WhatsApp log's rows carry
    # no channel field; its events say it)
    channel_of: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _per_channel(cls, value: Any) -> Any:
        """``{email: {sent: ..., opened: ...}, whatsapp: {sent: wa_kirim}}``: messages per
        channel, as shops name them; the kinds are merged and each event knows its channel."""
        if not isinstance(value, dict) or not value:
            return value
        if not all(isinstance(v, dict) for v in value.values()) or set(value) & set(KINDS):
            return value
        merged: dict[str, Any] = {kind: [] for kind in KINDS}
        channel_of: dict[str, str] = {}
        for channel, kinds in value.items():
            unknown = sorted(set(kinds) - set(KINDS))
            if unknown:
                raise ValueError(
                    gettext(
                        "messages of channel {channel}: {unknown} is not a kind; use {kinds}"
                    ).format(
                        channel=repr(channel), unknown=", ".join(unknown), kinds=", ".join(KINDS)
                    )
                )
            for kind, names in kinds.items():
                for name in [names] if isinstance(names, str) else names or []:
                    merged[kind].append(name)
                    channel_of.setdefault(name, str(channel))
        return {**merged, "channel_of": channel_of}

    @field_validator(*KINDS, mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("sent")
    @classmethod
    def _something_sent(cls, names: list[str]) -> list[str]:
        if not names:
            raise ValueError(
                gettext("name at least one event that is a message sent (e.g. email_sent)")
            )
        return names

    def kind_of(self) -> dict[str, str]:
        """Event name -> kind (an event listed twice keeps its first kind)."""
        kinds: dict[str, str] = {}
        for kind in KINDS:
            for name in getattr(self, kind):
                kinds.setdefault(name, kind)
        return kinds

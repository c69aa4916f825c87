"""Privacy settings in ``jejak.yaml``: which values are personal data (``pii:``) and
which touchpoints were collected without consent (``consent:``).

``pii:`` names the properties that hold personal data by kind (an email is trimmed and
lower-cased, a phone number written in E.164, other text trimmed), and whether the
customer and anonymous ids are personal data too; their values are stored only as
HMAC-SHA256 hashes under the workspace's own secret salt (see :mod:`jejak.store.personal`).
``pii: hash`` (the older spelling) is every default: email and phone.

``consent:`` names the column or property that says whether the person agreed, the
values that mean no, and what becomes of such a touchpoint (see :mod:`jejak.store.consent`).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from jejak.language import gettext

# what people write for "no" (Indonesian too); compared trimmed and lower-cased
NO_CONSENT = ("false", "0", "no", "n", "off", "denied", "declined", "tidak", "tidak setuju")
KINDS = ("email", "phone", "text")


class PersonalData(BaseModel):
    """``pii:``: the properties holding personal data, by kind, and whether ids are."""

    model_config = ConfigDict(extra="forbid")

    email: list[str] = Field(default_factory=lambda: ["email"])
    phone: list[str] = Field(default_factory=lambda: ["phone"])
    text: list[str] = Field(default_factory=list)
    ids: bool = False
    _salt: str | None = PrivateAttr(default=None)  # the workspace's, once it is opened

    @field_validator("email", "phone", "text", mode="before")
    @classmethod
    def _one_name(cls, value: Any) -> Any:
        if value is None:
            return []
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind_per_name(self) -> PersonalData:
        seen: dict[str, str] = {}
        for kind in KINDS:
            for name in getattr(self, kind):
                if name in seen:
                    raise ValueError(
                        gettext(
                            "{name} is listed under both '{first}' and '{second}'; keep one"
                        ).format(name=repr(name), first=seen[name], second=kind)
                    )
                seen[name] = kind
        return self

    @property
    def names(self) -> dict[str, str]:
        """Each personal property's name and its kind (email, phone or text)."""
        return {name: kind for kind in KINDS for name in getattr(self, kind)}


class Consent(BaseModel):
    """``consent:``: the column or property that holds the person's answer, the values
    that mean no, and whether such a touchpoint is stored without identifiers (strip)
    or not at all (drop)."""

    model_config = ConfigDict(extra="forbid")

    field: str
    refused: list[str] = Field(default_factory=lambda: list(NO_CONSENT))
    action: Literal["strip", "drop"] = "strip"

    @field_validator("field")
    @classmethod
    def _named(cls, name: str) -> str:
        if not name.strip():
            raise ValueError(
                gettext("give the column or property that holds consent, e.g. consent")
            )
        return name

    @field_validator("refused", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # YAML reads no/false as a boolean and 0 as a number: compare them as written
        if isinstance(value, str | bool | int | float):
            value = [value]
        if isinstance(value, list):
            return [text for v in value for text in _written(v)]
        return value

    @property
    def refusals(self) -> tuple[str, ...]:
        """The values that mean no, trimmed and lower-cased."""
        return tuple(sorted({v.strip().lower() for v in self.refused}))


def _written(value: Any) -> list[Any]:
    """The texts a YAML value stands for: YAML 1.1 reads no, off and false alike."""
    if isinstance(value, bool):
        return ["true", "yes", "on"] if value else ["false", "no", "off"]
    if isinstance(value, int | float):
        return [str(value)]
    return [value]


def personal_data(value: Any) -> Any:
    """``pii: hash`` (the older spelling) is every default; an empty ``pii:`` is none."""
    if value == "hash":
        return {}
    if value is not None and not isinstance(value, dict):
        raise ValueError(
            gettext(
                "{value} is not a pii setting; write 'pii: hash', or name the fields: {example}"
            ).format(
                value=repr(value), example="'pii: {email: [email], phone: [phone], text: [name]}'"
            )
        )
    return value


def consent_field(value: Any) -> Any:
    """``consent:`` is a mapping; a bare name is a mistake worth a clear fix."""
    if value is not None and not isinstance(value, dict):
        field = value if isinstance(value, str) else "consent"
        raise ValueError(
            gettext(
                "{value} is not a consent setting; name the field that holds the answer: {example}"
            ).format(value=repr(value), example=f"'consent: {{field: {field}}}'")
        )
    return value

"""The canonical touchpoint: one interaction of a person with the brand.

Every loaded file is mapped onto these fields. A touchpoint is more than its channel:
``context`` (e.g. curiosity) and ``need`` (e.g. to save money) say why it happened.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    sql_type: str
    help: str


FIELDS: tuple[Field, ...] = (
    Field(
        "event_id", "VARCHAR", "unique id; derived from the row's content when the file has none"
    ),
    Field("customer_id", "VARCHAR", "known customer (after sign-up or login)"),
    Field("anonymous_id", "VARCHAR", "device or cookie id before the person is known"),
    Field("ts", "TIMESTAMPTZ", "when it happened; stored in UTC"),
    Field("event", "VARCHAR", "the touchpoint's name, e.g. page_view, order, review"),
    Field("channel", "VARCHAR", "e.g. search, social, email, ads, direct, referral"),
    Field("source", "VARCHAR", "traffic source, e.g. google, instagram, newsletter"),
    Field("medium", "VARCHAR", "e.g. cpc, organic, email"),
    Field("campaign", "VARCHAR", "campaign name (utm_campaign)"),
    Field("context", "VARCHAR", "why the person was there, e.g. curiosity, comparison"),
    Field("need", "VARCHAR", "what the person wanted, e.g. save money, learn"),
    Field("revenue", "DOUBLE", "money in the touchpoint (orders); refunds may be negative"),
    Field("currency", "VARCHAR", "ISO 4217 code of revenue, e.g. IDR, USD"),
    Field("properties", "VARCHAR", "any other attributes, as a JSON object"),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
TEXT_FIELDS: tuple[str, ...] = tuple(f.name for f in FIELDS if f.sql_type == "VARCHAR")
REQUIRED: tuple[str, ...] = ("ts", "event")
IDENTITY_FIELDS: tuple[str, ...] = ("customer_id", "anonymous_id")

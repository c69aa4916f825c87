"""Sources: the several exports a shop's touchpoints come from, each read its own way.

In ``jejak.yaml``::

    sources:
      web:      {files: "web_*.csv", ids: {customer_id: user_id, anonymous_id: cookie,
                                           email: email}}
      orders:   {files: "pesanan*.csv", columns: {ts: tanggal, revenue: total},
                 constants: {event: pembelian}, ids: {email: email_pembeli}}
      whatsapp: {files: "wa_*.csv", columns: {ts: waktu_kirim},
                 constants: {event: wa_kirim, channel: whatsapp}, ids: {phone: nomor_hp}}
      crm:      {files: pelanggan.csv, identities_only: true,
                 ids: {customer_id: id_pelanggan, email: email, phone: telepon}}

A file is read by the source whose ``files`` pattern matches its name (or the one named
with ``--source``); a file no source matches is read with the top-level settings.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from jejak.language import gettext
from jejak.model.touchpoint import FIELD_NAMES, IDENTITY_FIELDS

CONTACT_KINDS: tuple[str, ...] = ("email", "phone")
ID_KINDS: tuple[str, ...] = (*IDENTITY_FIELDS, *CONTACT_KINDS)
# fields a constant may fill: what every row of a file has in common
CONSTANT_FIELDS: tuple[str, ...] = tuple(
    f for f in FIELD_NAMES if f not in ("event_id", "ts", "properties", *IDENTITY_FIELDS)
)
# the reading settings a source may set for its own files (the top-level ones are defaults)
READING = ("ts_format", "encoding", "separator", "decimal", "thousands", "sheet", "phone_region")
SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class SourceSettings(BaseModel):
    """How to read one kind of export: which files, their columns, constants and ids."""

    model_config = ConfigDict(extra="forbid")

    files: list[str] = Field(default_factory=list)
    columns: dict[str, str] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    ids: dict[str, str] = Field(default_factory=dict)
    identities_only: bool = False
    ts_format: str | None = None
    encoding: str | None = None
    separator: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    sheet: str | None = None
    phone_region: str | None = None

    @field_validator("files", mode="before")
    @classmethod
    def _one_pattern(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("columns", "constants", "ids", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("constants", mode="before")
    @classmethod
    def _constants_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, str) else str(v) for k, v in value.items()}
        return value

    @field_validator("columns")
    @classmethod
    def _column_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        for field in columns:
            if field not in FIELD_NAMES:
                raise ValueError(
                    gettext(
                        "{field} is not a touchpoint field; map one of {fields}"
                        " (ids go under 'ids:')"
                    ).format(field=repr(field), fields=", ".join(FIELD_NAMES))
                )
        return columns

    @field_validator("constants")
    @classmethod
    def _constant_fields(cls, constants: dict[str, str]) -> dict[str, str]:
        for field in constants:
            if field not in CONSTANT_FIELDS:
                raise ValueError(
                    gettext(
                        "{field} cannot be a constant; give one of {fields}"
                        " (ids and times come from columns)"
                    ).format(field=repr(field), fields=", ".join(CONSTANT_FIELDS))
                )
        return constants

    @field_validator("ids")
    @classmethod
    def _id_kinds(cls, ids: dict[str, str]) -> dict[str, str]:
        for kind in ids:
            if kind not in ID_KINDS:
                raise ValueError(
                    gettext(
                        "{kind} is not a kind of id; use {kinds} (write 'kind: your_column')"
                    ).format(kind=repr(kind), kinds=", ".join(ID_KINDS))
                )
        return ids

    @field_validator("decimal")
    @classmethod
    def _decimal(cls, mark: str | None) -> str | None:
        return decimal_mark(mark)

    @field_validator("thousands")
    @classmethod
    def _thousands(cls, mark: str | None, info: Any) -> str | None:
        return thousands_mark(mark, info.data.get("decimal"))

    @field_validator("separator")
    @classmethod
    def _separator(cls, separator: str | None) -> str | None:
        return one_character(separator)

    @field_validator("phone_region")
    @classmethod
    def _region(cls, region: str | None) -> str | None:
        return phone_region(region)

    @model_validator(mode="after")
    def _one_place_per_field(self) -> SourceSettings:
        for field, column in self.ids.items():
            if field in self.columns and self.columns[field] != column:
                raise ValueError(
                    gettext(
                        "'{field}' is mapped in both 'columns' and 'ids'; keep it under 'ids'"
                    ).format(field=field)
                )
        both = sorted(set(self.constants) & set(self.columns))
        if both:
            raise ValueError(
                gettext("{fields} is both a column and a constant; keep one").format(
                    fields=", ".join(map(repr, both))
                )
            )
        if self.identities_only and not (set(self.ids) - {"anonymous_id"}):
            raise ValueError(
                gettext(
                    "an identities_only source links ids; name at least customer_id, email or"
                    " phone under 'ids'"
                )
            )
        return self

    def matches(self, path: Path) -> bool:
        """Whether the file's name (or its path) matches one of ``files``."""
        return any(
            fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern)
            for pattern in self.files
        )

    @property
    def field_columns(self) -> dict[str, str]:
        """The touchpoint fields' columns, customer_id and anonymous_id from ``ids``."""
        ids = {k: v for k, v in self.ids.items() if k in IDENTITY_FIELDS}
        return {**self.columns, **ids}

    @property
    def contact_columns(self) -> dict[str, str]:
        """email and phone: their columns."""
        return {k: v for k, v in self.ids.items() if k in CONTACT_KINDS}


def decimal_mark(mark: str | None) -> str | None:
    if mark not in (None, ".", ","):
        raise ValueError(
            gettext("{mark} is not a decimal mark; write '.' or ','").format(mark=repr(mark))
        )
    return mark


def thousands_mark(mark: str | None, decimal: str | None) -> str | None:
    if mark not in (None, ".", ",", " ", "'", ""):
        raise ValueError(
            gettext(
                "{mark} is not a thousands mark; write '.', ',', ' ', \"'\" or '' (none)"
            ).format(mark=repr(mark))
        )
    if mark is not None and mark == decimal:
        raise ValueError(
            gettext("{mark} is also the decimal mark; the two must differ").format(mark=repr(mark))
        )
    return mark


def one_character(separator: str | None) -> str | None:
    if separator is not None and len(separator) != 1:
        raise ValueError(
            gettext("{separator} is not one character; write ',', ';', '|' or '\\t'").format(
                separator=repr(separator)
            )
        )
    return separator


def phone_region(region: str | None) -> str | None:
    """A region phonenumbers knows (ID, MY, SG...), upper-cased."""
    import phonenumbers

    if region is None:
        return None
    if region.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            gettext(
                "{region} is not a region; give a two-letter country code like ID, MY or SG"
            ).format(region=repr(region))
        )
    return region.upper()


def check_source_name(name: str) -> None:
    if not SOURCE_NAME.fullmatch(name):
        raise ValueError(
            gettext(
                "{name} is not a source name; use letters, digits, '-' or '_' (e.g. orders)"
            ).format(name=repr(name))
        )

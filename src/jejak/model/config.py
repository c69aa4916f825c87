"""Workspace settings from ``jejak.yaml``: time zone, column mapping, the journey.

Errors name the file, the key and its line, and say what to write instead.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from jejak.errors import ConfigError
from jejak.language import DEFAULT as DEFAULT_LANGUAGE
from jejak.language import checked as checked_language
from jejak.language import gettext, ngettext
from jejak.model import PRESETS
from jejak.model.campaign import Campaign
from jejak.model.contact import ContactEvents
from jejak.model.experience import ExperienceRule, default_rules
from jejak.model.journey import Journey
from jejak.model.privacy import Consent, PersonalData, consent_field, personal_data
from jejak.model.roles import Roles
from jejak.model.segment import Segment, check_name
from jejak.model.source import (
    READING,
    SourceSettings,
    check_source_name,
    decimal_mark,
    one_character,
    phone_region,
    thousands_mark,
)
from jejak.model.touchpoint import FIELD_NAMES
from jejak.model.validation import either, said
from jejak.model.watch import Watch

DEFAULT_WORKSPACE = "jejak.duckdb"
DEFAULT_PHONE_REGION = "ID"  # phone numbers without +country are Indonesian unless told
# settings from before event roles, and the role each became
OLDER_SPELLINGS = {"refund_events": "refund", "sent_events": "shop_sent", "contact": "messages"}


class Settings(BaseModel):
    """Everything a workspace needs to read files and place people on the journey."""

    model_config = ConfigDict(extra="forbid")

    workspace: str = DEFAULT_WORKSPACE
    timezone: str = "UTC"
    language: str = DEFAULT_LANGUAGE
    stage_names: Literal["local", "english"] = "local"
    columns: dict[str, str] = Field(default_factory=dict)
    ts_format: str | None = None
    encoding: str = "utf-8"
    separator: str | None = None
    decimal: str | None = None
    thousands: str | None = None
    sheet: str | None = None
    max_line_size: int = Field(default=2_000_000, gt=0)
    roles: Roles = Field(default_factory=Roles)
    journey: Journey | str = "value-journey"
    experience: list[ExperienceRule] = Field(default_factory=default_rules)
    segments: dict[str, Segment] = Field(default_factory=dict)
    campaigns: dict[str, Campaign] = Field(default_factory=dict)
    watch: Watch = Field(default_factory=Watch)
    sources: dict[str, SourceSettings] = Field(default_factory=dict)
    phone_region: str = DEFAULT_PHONE_REGION
    pii: PersonalData | None = None
    consent: Consent | None = None
    keep_days: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _older_spellings(cls, data: Any) -> Any:
        """``refund_events``, ``sent_events`` and ``contact`` (before roles) still work."""
        if not isinstance(data, dict) or not set(OLDER_SPELLINGS) & set(data):
            return data
        data = dict(data)
        roles = data.get("roles") or {}
        roles = dict(roles) if isinstance(roles, dict) else roles
        for old, role in OLDER_SPELLINGS.items():
            if old not in data:
                continue
            value = data.pop(old)
            if isinstance(roles, dict) and role in roles:
                raise ValueError(
                    gettext(
                        "'{old}' and 'roles: {role}' say the same thing; keep 'roles: {role}'"
                    ).format(old=old, role=role)
                )
            if isinstance(roles, dict) and value is not None:
                roles[role] = value
        data["roles"] = roles
        return data

    @field_validator("pii", mode="before")
    @classmethod
    def _pii(cls, value: Any) -> Any:
        return personal_data(value)

    @field_validator("consent", mode="before")
    @classmethod
    def _consent(cls, value: Any) -> Any:
        return consent_field(value)

    @field_validator("roles", mode="before")
    @classmethod
    def _no_roles(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("campaigns", mode="before")
    @classmethod
    def _no_campaigns(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("campaigns")
    @classmethod
    def _campaign_stages(cls, campaigns: dict[str, Campaign], info: Any) -> dict:
        journey = info.data.get("journey")
        if journey is None:
            return campaigns
        resolved = preset(journey) if isinstance(journey, str) else journey
        for name, campaign in campaigns.items():
            campaign.check(name, resolved)
        return campaigns

    @field_validator("watch", mode="before")
    @classmethod
    def _no_watch(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("watch")
    @classmethod
    def _watch_names(cls, watch: Watch, info: Any) -> Watch:
        journey = info.data.get("journey")
        if journey is None:
            return watch
        resolved = preset(journey) if isinstance(journey, str) else journey
        try:
            watch.check(resolved, set(info.data.get("campaigns") or {}))
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return watch

    @field_validator("segments", mode="before")
    @classmethod
    def _segment_names(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            for name in value:
                try:
                    check_name(name)
                except ConfigError as exc:
                    raise ValueError(str(exc)) from None
        return value

    @field_validator("segments")
    @classmethod
    def _segments_name_stages(cls, segments: dict[str, Segment], info: Any) -> dict:
        journey = info.data.get("journey")
        if journey is None:  # the journey itself is wrong; that error is the one to show
            return segments
        names = (preset(journey) if isinstance(journey, str) else journey).stage_names
        for name, segment in segments.items():
            unknown = sorted(segment.stages_named() - set(names))
            if unknown:
                raise ValueError(
                    gettext(
                        "segment '{name}' names {unknown}, which is not a stage of the journey;"
                        " use one of {stages}"
                    ).format(
                        name=name, unknown=", ".join(map(repr, unknown)), stages=", ".join(names)
                    )
                )
        return segments

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        return checked_language(value)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str) -> str:
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                gettext(
                    "{zone} is not a time zone; use an IANA name like Asia/Jakarta or UTC"
                ).format(zone=repr(zone))
            ) from None
        return zone

    @field_validator("columns", mode="before")
    @classmethod
    def _empty_section_is_default(cls, value: Any) -> Any:
        return {} if value is None else value

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, columns: dict[str, str]) -> dict[str, str]:
        for field in columns:
            if field not in FIELD_NAMES:
                raise ValueError(
                    gettext(
                        "{field} is not a touchpoint field; map one of {fields}"
                        " (write 'field: your_column')"
                    ).format(field=repr(field), fields=", ".join(FIELD_NAMES))
                )
        return columns

    @field_validator("journey", mode="before")
    @classmethod
    def _preset_or_definition(cls, value: Any) -> Any:
        if isinstance(value, str) and value not in PRESETS:
            raise ValueError(
                gettext("unknown preset {name}; use {presets}, or list stages").format(
                    name=repr(value), presets=either(PRESETS)
                )
            )
        if isinstance(value, dict) and "preset" in value:
            if set(value) != {"preset"}:
                raise ValueError(gettext("give either 'preset: NAME' or 'stages: [...]', not both"))
            return cls._preset_or_definition(value["preset"])
        return value

    @field_validator("decimal")
    @classmethod
    def _decimal_mark(cls, mark: str | None) -> str | None:
        return decimal_mark(mark)

    @field_validator("thousands")
    @classmethod
    def _thousands_mark(cls, mark: str | None, info: Any) -> str | None:
        return thousands_mark(mark, info.data.get("decimal"))

    @field_validator("separator")
    @classmethod
    def _one_character(cls, separator: str | None) -> str | None:
        return one_character(separator)

    @field_validator("keep_days", mode="before")
    @classmethod
    def _keep_days(cls, value: Any) -> Any:
        if value is not None and (type(value) is not int or value < 1):
            raise ValueError(
                gettext(
                    "{value} is not a number of days; give a whole number of at least 1,"
                    " like keep_days: 730 (or leave it out to keep every touchpoint)"
                ).format(value=repr(value))
            )
        return value

    @field_validator("phone_region")
    @classmethod
    def _phone_region(cls, region: str) -> str:
        return phone_region(region) or DEFAULT_PHONE_REGION

    @field_validator("sources", mode="before")
    @classmethod
    def _source_names(cls, value: Any) -> Any:
        if value is None:
            return {}
        if isinstance(value, dict):
            for name in value:
                check_source_name(str(name))
        return value

    def source(self, name: str) -> SourceSettings:
        """The source by name; a ConfigError lists those there are."""
        if name not in self.sources:
            known = ", ".join(self.sources) or gettext("none yet")
            raise ConfigError(
                gettext(
                    "no source named {name} (sources: {known}); define it under 'sources:'"
                    " in jejak.yaml"
                ).format(name=repr(name), known=known)
            )
        return self.sources[name]

    def for_source(self, name: str) -> Settings:
        """These settings as the source reads its files: its columns instead of the
        top-level ones, and its reading settings where it gives them."""
        source = self.source(name)
        update: dict[str, Any] = {"columns": source.field_columns}
        for key in READING:
            value = getattr(source, key)
            if value is not None:
                update[key] = value
        return self.model_copy(update=update)

    def resolved_journey(self) -> Journey:
        """The journey itself, with presets read from the package, its rules bound to the
        event roles (``role: purchase`` -> the shop's purchase touchpoints)."""
        journey = preset(self.journey) if isinstance(self.journey, str) else self.journey
        return self.roles.bind_journey(journey)

    def experience_rules(self) -> list[ExperienceRule]:
        """The experience rules, bound to the event roles."""
        return [self.roles.bind(rule) for rule in self.experience]

    # the settings that roles replaced, for code that reads them by their older names
    @property
    def refund_events(self) -> list[str]:
        return self.roles.refund

    @property
    def sent_events(self) -> list[str]:
        return self.roles.shop_sent

    @property
    def contact(self) -> ContactEvents:
        return self.roles.messages


@cache
def preset(name: str) -> Journey:
    """One of the shipped journeys: ``value-journey`` (8 stages) or ``four-stage``."""
    if name not in PRESETS:
        raise ConfigError(
            gettext("unknown preset {name}; use {presets}").format(
                name=repr(name), presets=either(PRESETS)
            )
        )
    text = resources.files("jejak.model").joinpath(f"presets/{name}.yaml").read_text("utf-8")
    return Journey.model_validate(read_yaml(text))


# libyaml's parser, when PyYAML has it: the same data in a tenth of the time (a preset,
# read by a process's first analysis: 1 ms, not 9)
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(text: str) -> Any:
    """YAML ``text`` as data (as ``yaml.safe_load`` reads it); a YAMLError is raised as
    the pure-Python parser words it, with its line, as users have always been told."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)  # raises, worded as before


def _key_lines(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Map every key path in a YAML document to its 1-based line."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines |= _key_lines(value, (*path, key.value))
            lines[(*path, key.value)] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines |= _key_lines(item, (*path, i))
    return lines


def _describe(error: dict, lines: dict[tuple, int], source: str) -> str:
    loc = error["loc"]
    if loc[:1] == ("journey",) and len(loc) > 1 and loc[1] not in Journey.model_fields:
        loc = (loc[0], *loc[2:])  # pydantic names the union branch; users never wrote it
    line = None
    for n in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:n]))
        if line is not None:
            break
    # a validator that names a bad entry of a mapping ('tss' in columns) points at its line
    for quoted in re.findall(r"'([^']+)'", error["msg"]):
        line = lines.get((*loc, quoted), line)
    key = ".".join(str(p) for p in loc) or gettext("(top level)")
    where = gettext("{source} line {line}").format(source=source, line=line) if line else source
    message = said(error)
    if error["type"] == "extra_forbidden":
        message = gettext("unknown key; check its spelling (see 'jejak init' for every key)")
    return f"{where}: '{key}': {message}"


def parse_settings(text: str, source: str = "jejak.yaml") -> Settings:
    """Validate settings text; a ConfigError names the key and line of the first problem."""
    try:
        data = read_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = source
        if mark is not None:
            where = gettext("{source} line {line}").format(source=source, line=mark.line + 1)
        raise ConfigError(
            gettext("{where}: not valid YAML ({problem})").format(
                where=where, problem=getattr(exc, "problem", exc)
            )
        ) from None
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(
            gettext("{source}: expected 'key: value' settings, found {found}").format(
                source=source, found=type(data).__name__
            )
        )
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        node = yaml.compose(text)  # each key's line, for the message
        lines = _key_lines(node) if node is not None else {}
        errors = exc.errors()
        # a journey that is neither a preset name nor valid stages fails both branches;
        # the stages branch says what is actually wrong
        errors = [e for e in errors if e["loc"][:2] != ("journey", "str")] or errors
        problems = [_describe(e, lines, source) for e in errors]
        first, others = problems[0], len(problems) - 1
        if others:
            first = ngettext(
                "{problem} (and {count} more)", "{problem} (and {count} more)", others
            ).format(problem=first, count=others)
        raise ConfigError(first) from None


def workspace_path(settings: Settings, folder: Path) -> Path:
    """The settings' workspace file; a relative name is relative to the settings' folder."""
    path = Path(settings.workspace)
    return path if path.is_absolute() else folder / path


def load_settings(path: str | Path) -> Settings:
    """Read ``jejak.yaml``; a missing file is an error that says to run ``jejak init``."""
    path = Path(path)
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise ConfigError(
            gettext("{path}: no such settings file; run 'jejak init' to write one").format(
                path=path
            )
        ) from None
    return parse_settings(text, str(path))


TEMPLATE = """\
# jejak workspace settings. Every key is optional; these are the defaults.

# The DuckDB file that holds your touchpoints (created on first load).
workspace: {workspace}

# The language of the CLI, the report and the dashboard: en (English) or id (Bahasa
# Indonesia, with 1.234.567,50 and Rp 1.234.567). 'jejak --lang id ...' for one command.
# The presets' stages show in that language (Konversi for Convert) unless stage_names is
# english; settings and options name them in English either way.
language: {language}
stage_names: local

# Time zone for timestamps in your files that carry no offset (IANA name).
# Timestamps with an offset (2026-02-01T10:00:00+07:00) are read as written.
timezone: {timezone}

# If your timestamps are not ISO 8601, give a strptime format, e.g. '%d/%m/%Y %H:%M'.
# ts_format: '%d/%m/%Y %H:%M'

# Text encoding of CSV files: utf-8, utf-16, latin-1, cp1252 or any Python codec name.
# Left at utf-8, a file that is not UTF-8 has its encoding detected (the load says which).
encoding: utf-8

# CSV files: the field separator (detected when not given), e.g. ';' or '\t'.
# separator: ';'

# Revenue written the local way, e.g. 'Rp 150.000' or '1.250.000,50': the decimal and
# thousands marks. When not given they are detected from the revenue column: a value
# like 150000,50 or 1.250.000 shows them; a ';'-separated file or Rp/IDR amounts read
# 150.000 as a hundred and fifty thousand. A currency (Rp, IDR, EUR, ...) before or
# after the amount is allowed, and fills 'currency' when that is empty.
# decimal: ','
# thousands: '.'

# Excel workbooks (.xlsx): the sheet to read (default: the first).
# sheet: Orders

# The longest line of a CSV file, in bytes; raise it for rows with very long fields.
# max_line_size: 2000000

# Your column names, when they differ from jejak's touchpoint fields:
#   event_id, customer_id, anonymous_id, ts, event, channel, source, medium,
#   campaign, context, need, revenue, currency, properties
# Columns you do not map, and that are not fields, are kept in 'properties'.
columns:
  # ts: timestamp
  # customer_id: user_id
  # event: event_name

# Sources: when touchpoints come from several exports of different shapes (web events,
# an orders export, a WhatsApp log, a CRM list...), each reads its files its own way. A
# file is read by the source whose 'files' pattern matches its name (or the one named
# with 'jejak load --source NAME'); a file no source matches uses the settings above.
# A source has its own 'columns'; 'constants' fill a field for every row (an orders file
# without an event column: event: order); 'ids' say which columns hold which kind of id:
# customer_id, anonymous_id, email, phone. People are joined across sources by their
# email (trimmed, lower-cased) and phone (E.164: 0812-3456-7890 = +62 812 3456 7890).
# 'identities_only: true' (a CRM list) stores only the links between its ids. A source
# may also set ts_format, encoding, separator, decimal, thousands, sheet, phone_region.
# sources:
#   web:      {{files: "web_*.csv",
#              ids: {{customer_id: user_id, anonymous_id: cookie, email: email}}}}
#   orders:   {{files: "pesanan*.csv", columns: {{ts: tanggal, revenue: total}},
#              constants: {{event: order}}, ids: {{email: email_pembeli}}}}
#   whatsapp: {{files: "wa_*.csv", columns: {{ts: waktu_kirim}},
#              constants: {{event: wa_kirim, channel: whatsapp}}, ids: {{phone: nomor_hp}}}}
#   crm:      {{files: pelanggan.csv, identities_only: true,
#              ids: {{customer_id: id_pelanggan, email: email, phone: telepon}}}}
sources:

# Phone numbers written without a country code (0812-...) are read in this region.
phone_region: ID

# Personal data: with 'pii:' emails and phone numbers (ids: email, phone of a source),
# and the properties named here (a file's other columns, a collected event's properties,
# a Segment call's properties and traits), are stored only as HMAC-SHA256 hashes of their
# normalised value under this workspace's own secret salt; people are joined on the
# hashes. 'ids: true' hashes customer_id and anonymous_id too. 'pii: hash' is every default.
# pii:
#   email: [email]            # trimmed and lower-cased first
#   phone: [phone, no_hp]     # written in E.164 first (phone_region)
#   text: [name, address]     # trimmed first
#   ids: false

# Consent: a touchpoint whose consent column or property holds one of 'refused' is
# stored without its ids and personal properties (action: strip: it counts in totals but
# joins no journey), or not at all (action: drop).
# consent:
#   field: consent
#   refused: [false, 0, no, denied, tidak]
#   action: strip

# Retention: 'jejak prune' removes touchpoints older than this many days, with what came
# of them (identity links, rejected rows, kept answers), and compacts the file.
# keep_days: 730

# Event roles: which of your touchpoints is a purchase, a sign-up, a review... in your
# own words. Every analysis reads them (the stage rules, customer value, RFM, retention,
# contact, NPS, referrals...), so name your events here once. These are the defaults;
# a role given as one name or a list replaces its default.
roles:
  purchase: [order]           # first purchase = Convert, later ones = Ascend
  refund: [refund]            # the only touchpoints that may carry negative revenue
  signup: [account_created]
  subscribe: [newsletter_signup, webinar_signup, lead_magnet_download, demo_request]
  trial: [trial_start, first_order]
  content: [content_view, video_view, social_follow, community_join, webinar_attend]
  transactional: [product_view, cart_add, checkout]
  comparison: [review_read, price_check, compare]
  activation: [onboarding_complete, first_success, quickstart_complete]   # Excite
  upsell: [subscription_start, upsell_accepted, repeat_order]
  review: {{events: [review], rating: rating}}        # rating: the property with the stars
  nps: {{events: [nps_response], score: score}}       # score: the 0-10 answer
  referral: {{events: [referral_invite], referrer: referrer_id}}
  sharing: [share, affiliate_signup]
  testimonial: [testimonial]
  direct: [direct, (direct), (none)]   # channel values that count as direct
  # touchpoints the shop sends or records rather than something the person did: they do
  # not count as a person being active (retention, lifecycle, clusters)
  shop_sent: [email_sent, sms_sent, push_sent, ad_impression, campaign_holdout]
  # messages you send and what people did with them (email, SMS, push), for the
  # contact, fatigue and send-time analyses
  messages:
    sent: [email_sent, sms_sent, push_sent]
    delivered: [email_delivered, sms_delivered, push_delivered]
    opened: [email_open, push_open]
    clicked: [email_click, sms_click, push_click]
    unsubscribed: [unsubscribe, email_unsubscribe, sms_optout, push_optout]
    complained: [spam_complaint]
  # ... or per channel, which also gives rows without a channel field theirs:
  # messages:
  #   email: {{sent: email_terkirim, opened: email_dibuka, clicked: klik_email}}
  #   whatsapp: {{sent: wa_kirim, opened: wa_dibaca}}

# Experience: touchpoints that say how an interaction felt, as good, neutral or bad. A
# touchpoint takes the verdict of the first rule it matches. The defaults read review
# stars and NPS answers (the review and nps roles), CSAT answers, support tickets
# (resolved: true/false), payment_failed, complaint, delivery_failed and
# return_requested. Your own, e.g.:
# experience:
#   - {{event: chat_rating, where: {{stars: {{gte: 4}}}}, is: good}}
#   - {{event: chat_rating, where: {{stars: {{lte: 2}}}}, is: bad}}
#   - {{event: refund, is: bad}}

# The journey: a preset (value-journey: 8 stages; four-stage), or your own stages.
# A stage is entered at the first touchpoint that matches any of its rules;
# within a rule every field must match. A rule may name a role instead of events, and
# 'nth' picks the person's first (nth: 1) or later (nth: {{gte: 2}}) touchpoint of it.
# Example of your own:
#
# journey:
#   name: my-shop
#   stages:
#     - name: Awareness
#       rules: [{{any: true}}]
#     - name: Interest
#       rules: [{{role: content}}, {{event: product_view}}]
#     - name: Purchase
#       rules: [{{role: purchase, nth: 1}}]
#     - name: Repeat
#       rules: [{{role: purchase, nth: {{gte: 2}}}}]
journey: {journey}

# Segments: named groups of people to filter or split any analysis by, and to export
# as audiences (jejak segments). Every key given must hold. Examples:
#
# segments:
#   instagram-starters:
#     description: came to us through Instagram
#     first: {{channel: social}}
#   stuck-subscribers:
#     stage: Subscribe          # current stage
#   best-buyers:
#     had: order
#     rfm: [Champions, Loyal]
#   slipping-away:
#     p_alive_below: 0.3        # chance of still being a customer (BG/NBD)
#   content-fans:
#     engagement: follows content
segments:

# Campaigns: a call to action plus a traffic source, aimed at one stage transition;
# jejak campaigns compares who it reached with who it held out. Example:
#
# campaigns:
#   spring-signup:
#     call_to_action: {{event: email_click, campaign: spring-signup}}
#     traffic_source: {{channel: email, campaign: spring-signup}}
#     target: {{from: Engagement, to: Subscribe}}
#     exposure: {{event: email_sent, campaign: spring-signup}}
#     holdout: {{event: campaign_holdout, campaign: spring-signup}}
#     start: 2026-03-01
#     end: 2026-04-01
#     days: 14
campaigns:

# Watch: rules that 'jejak watch' checks (and 'jejak serve' every 'every'), and where
# an alert goes: a line in the log, a webhook (a JSON POST), an email. Each alert says
# its numbers and links to the dashboard view that shows them ('link': the dashboard's
# address). An alert is sent once; 'jejak watch --notify' and the server remember it.
# conversion_drop: of the people who entered 'from' in a week (Monday to Sunday, in the
# time zone above), the share who reached 'to' within 'within' of entering, in the
# latest week whose window has closed, is more than 'drop' below its mean over the
# 'weeks' weeks before (weeks with fewer than min_people people are not checked).
# rejected: the collector refused more than 'above' of the events it was sent today.
# campaign_lift: a campaign's 95% lift interval excludes zero (direction: any, up, down).
# The email password is read from the environment variable named in password_env.
# watch:
#   every: 1h
#   link: https://jejak.shop.example
#   rules:
#     subscribe-convert: {{kind: conversion_drop, from: Subscribe, to: Convert, drop: 20%,
#                         weeks: 8, within: 14d, min_people: 30}}
#     collector-rejects: {{kind: rejected, above: 1%, min_events: 1}}
#     campaign-lift:     {{kind: campaign_lift, campaign: spring-signup, direction: any}}
#   notify:
#     log: true
#     webhook: {{url: https://hooks.example/jejak, timeout: 10}}
#     email: {{host: smtp.example.com, port: 587, from: jejak@shop.example,
#             to: [team@shop.example], starttls: true, user: jejak,
#             password_env: JEJAK_SMTP_PASSWORD, timeout: 30}}
"""


def settings_template(
    workspace: str = DEFAULT_WORKSPACE,
    timezone: str = "UTC",
    journey: str = "value-journey",
    language: str = DEFAULT_LANGUAGE,
) -> str:
    """The commented ``jejak.yaml`` that ``jejak init`` writes."""
    return TEMPLATE.format(
        workspace=workspace, timezone=timezone, journey=journey, language=language
    )

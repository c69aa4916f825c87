"""The errors a person reads come in their language: a bad jejak.yaml setting, a funnel
step naming no stage, a segment rule, a touch field an analysis cannot split by, a
campaign's target. In Bahasa Indonesia each is the catalogue's Indonesian with the values
filled in (the values, setting names and stage names as written); in English each is
word for word what it was."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pydantic_core
import pytest
from babel.messages.pofile import read_po

import jejak
from invoking import JEJAK
from jejak import language
from jejak.model.config import parse_settings
from jejak.model.validation import PYDANTIC_MESSAGES

STAGES = "Awareness, Engagement, Subscribe, Convert, Excite, Ascend, Advocate, Promote"
CAMPAIGN = """\
campaigns:
  spring:
    call_to_action: {event: email_click}
    exposure: {event: email_sent}
    traffic_source: {channel: email}
    target: {from: Engagement, to: Nirvana}
"""


@pytest.fixture(scope="module")
def po() -> dict:
    """The Indonesian catalogue as a translator wrote it: msgid (or (context, msgid)) ->
    its Indonesian, read from the file, not through the code under test."""
    with language.catalogue_path("id").open("rb") as file:
        catalogue = read_po(file, locale="id")
    words = {}
    for message in catalogue:
        if message.id:
            key = message.id if isinstance(message.id, str) else message.id[0]
            text = message.string if isinstance(message.string, str) else message.string[0]
            words[(message.context, key) if message.context else key] = text
    return words


def _said(call, language_code: str) -> str:
    """The message of the JejakError (or ValueError) ``call`` raises in that language."""
    with language.speaking(language_code), pytest.raises((jejak.JejakError, ValueError)) as err:
        call()
    return str(err.value)


def test_a_bad_setting(po):
    def bad():
        parse_settings("timezone: Mars/Base\n")

    assert _said(bad, "en") == (
        "jejak.yaml line 1: 'timezone': 'Mars/Base' is not a time zone;"
        " use an IANA name like Asia/Jakarta or UTC"
    )
    where = po["{source} line {line}"].format(source="jejak.yaml", line=1)
    zone = "{zone} is not a time zone; use an IANA name like Asia/Jakarta or UTC"
    assert _said(bad, "id") == f"{where}: 'timezone': " + po[zone].format(zone="'Mars/Base'")
    assert "baris 1" in where and "zona waktu" in po[zone]  # the catalogue's words, not ours


def test_pydantic_s_own_message_by_its_type(po):
    def bad():
        parse_settings("workspace: shop.duckdb\nstage_names: french\n")

    assert (
        _said(bad, "en") == "jejak.yaml line 2: 'stage_names': Input should be 'local' or 'english'"
    )
    where = po["{source} line {line}"].format(source="jejak.yaml", line=2)
    either = po[("rules", "or")]
    should = po["Input should be {expected}"].format(expected=f"'local' {either} 'english'")
    assert _said(bad, "id") == f"{where}: 'stage_names': {should}"
    assert "atau" in should and "Input" not in should


def test_two_problems_say_how_many_more(po):
    def bad():
        parse_settings("separator: ab\nkeep_days: 0\n")

    first = "'separator': 'ab' is not one character; write ',', ';', '|' or '\\t'"
    assert _said(bad, "en") == f"jejak.yaml line 1: {first} (and 1 more)"
    where = po["{source} line {line}"].format(source="jejak.yaml", line=1)
    character = po["{separator} is not one character; write ',', ';', '|' or '\\t'"]
    problem = f"{where}: 'separator': " + character.format(separator="'ab'")
    assert _said(bad, "id") == po["{problem} (and {count} more)"].format(problem=problem, count=1)


def test_the_english_of_pydantic_s_messages_is_pydantic_s_own():
    # the msgids are Pydantic's templates word for word: English output is unchanged, and
    # a Pydantic that rewords one shows here (its English is then shown in every language)
    templates = {
        error["type"]: error["message_template_python"]
        for error in pydantic_core._pydantic_core.list_all_errors()
    }
    assert {kind: templates[kind] for kind in PYDANTIC_MESSAGES} == PYDANTIC_MESSAGES


def test_an_unknown_stage_in_a_funnel(po, open_workspace):
    ws = open_workspace()

    def bad():
        ws.funnel([{"stage": "Nirvana"}, "order"])

    assert _said(bad, "en") == f"unknown stage 'Nirvana'; this journey's stages are: {STAGES}"
    unknown = po["unknown stage {stage}; this journey's stages are: {names}"]
    assert _said(bad, "id") == unknown.format(stage="'Nirvana'", names=STAGES)
    assert unknown.startswith("tahap {stage} tidak dikenal")


def test_a_segment_rule(po):
    def bad():
        parse_settings("segments:\n  sleepy: {engagement: fans}\n")

    groups = ("follows content", "transactional only")
    assert _said(bad, "en") == (
        "jejak.yaml line 2: 'segments.sleepy.engagement': 'fans' is not an engagement group;"
        " use follows content or transactional only"
    )
    where = po["{source} line {line}"].format(source="jejak.yaml", line=2)
    rule = po["{group} is not an engagement group; use {groups}"].format(
        group="'fans'", groups=f" {po[('rules', 'or')]} ".join(groups)
    )
    assert _said(bad, "id") == f"{where}: 'segments.sleepy.engagement': {rule}"


def test_an_unknown_touch_field_in_an_analysis(po, open_workspace):
    ws = open_workspace()
    fields = "channel, source, medium, campaign, context, need, event"

    def bad():
        ws.attribution("order", by="colour")

    assert _said(bad, "en") == f"cannot attribute by 'colour'; use one of {fields}"
    attribute = po["cannot attribute by {by}; use one of {fields}"]
    assert _said(bad, "id") == attribute.format(by="'colour'", fields=fields)


def test_a_campaign_setting(po):
    def bad():
        parse_settings(CAMPAIGN)

    assert _said(bad, "en") == (
        "jejak.yaml line 2: 'campaigns': campaign 'spring': target.to 'Nirvana' is not a stage"
        f" of journey value-journey; use one of {STAGES}"
    )
    where = po["{source} line {line}"].format(source="jejak.yaml", line=2)
    target = po[
        "campaign '{name}': target.{key} {stage} is not a stage of journey {journey};"
        " use one of {stages}"
    ].format(name="spring", key="to", stage="'Nirvana'", journey="value-journey", stages=STAGES)
    assert _said(bad, "id") == f"{where}: 'campaigns': {target}"


def test_the_cli_says_a_bad_setting_in_indonesian(tmp_path: Path, po):
    (tmp_path / "jejak.yaml").write_text("timezone: Mars/Base\n", "utf-8")

    def run(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [JEJAK, *options, "stages"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={key: value for key, value in os.environ.items() if key != "JEJAK_LANG"},
        )

    english, indonesian = run(), run("--lang", "id")
    assert english.returncode == indonesian.returncode == 1
    assert "'Mars/Base' is not a time zone" in english.stderr
    zone = po["{zone} is not a time zone; use an IANA name like Asia/Jakarta or UTC"]
    assert zone.format(zone="'Mars/Base'") in indonesian.stderr
    # none of the English words of the message is left, only the values and the key
    values = {"jejak", "yaml", "timezone", "Mars", "Base", "IANA", "Asia", "Jakarta", "UTC"}
    words = set(re.findall(r"[A-Za-z]{2,}", english.stderr)) - values
    assert words and not words & set(re.findall(r"[A-Za-z]{2,}", indonesian.stderr))

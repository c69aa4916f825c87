"""jejak.yaml: journeys of one's own, and errors that name the key and the line."""

from __future__ import annotations

import pytest

from jejak import ConfigError, parse_settings


def test_own_stages_with_property_rules():
    settings = parse_settings(
        """
journey:
  name: my-shop
  stages:
    - name: Interest
      rules: [{event: product_view, channel: [ads, search]}]
    - name: Purchase
      rules:
        - event: order
          where: {order_number: 1, plan: {in: [basic, pro]}}
"""
    )
    journey = settings.resolved_journey()
    assert journey.name == "my-shop"
    assert journey.stage_names == ["Interest", "Purchase"]
    rule = journey.stages[0].rules[0]
    assert (rule.event, rule.channel) == (["product_view"], ["ads", "search"])
    where = journey.stages[1].rules[0].where
    assert where["order_number"].tests() == [("eq", 1)]
    assert where["plan"].tests() == [("in", ["basic", "pro"])]


def test_preset_by_key():
    assert parse_settings("journey:\n  preset: four-stage").resolved_journey().name == "four-stage"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("timezone: Mars/Base", "jejak.yaml line 1: 'timezone': 'Mars/Base' is not a time zone"),
        ("colums: {}", "jejak.yaml line 1: 'colums': unknown key; check its spelling"),
        (
            "columns:\n  tss: time",
            "jejak.yaml line 2: 'columns': 'tss' is not a touchpoint field",
        ),
        ("journey: five", "jejak.yaml line 1: 'journey': unknown preset 'five'"),
        (
            "journey:\n  stages:\n    - name: A\n      rules: [{any: true}]\n"
            "    - name: B\n      rules: [{}]",
            "jejak.yaml line 6: 'journey.stages.1.rules.0': an empty rule matches nothing",
        ),
        (
            "journey:\n  stages:\n    - name: A\n      rules: [{any: true}]\n"
            "    - name: B\n      rules:\n        - event: x\n          where: {n: {gtx: 1}}",
            "jejak.yaml line 8: 'journey.stages.1.rules.0.where.n.gtx': unknown key",
        ),
        (
            "journey:\n  stages:\n    - name: A\n      rules: [{any: true}]\n"
            "    - name: a\n      rules: [{event: x}]",
            "stage 'a' is defined twice",
        ),
        (
            "journey:\n  stages:\n    - name: Only\n      rules: [{any: true}]",
            "jejak.yaml line 2: 'journey.stages': a journey needs at least two stages",
        ),
        ("journey:\n  stages:\n    - name: A\n      rules: [{event: []}]\n", "empty list"),
        (
            "journey:\n  stages:\n    - name: A\n      rules: []\n"
            "    - name: B\n      rules: [{event: x}]",
            "jejak.yaml line 4: 'journey.stages.0.rules': a stage needs at least one rule",
        ),
        ("a: [", "jejak.yaml line 1: not valid YAML"),
        ("- a\n- b", "expected 'key: value' settings"),
    ],
)
def test_errors_name_key_and_line(text, expected):
    with pytest.raises(ConfigError) as caught:
        parse_settings(text)
    assert expected in str(caught.value)

"""Which touchpoints match a stage's rules, as Ibis boolean expressions."""

from __future__ import annotations

import functools
import operator

import ibis

from jejak.engine.functions import json_field
from jejak.errors import ConfigError
from jejak.model.journey import MATCHABLE, Condition, Rule, Stage


def _condition(value: ibis.Value, condition: Condition) -> ibis.Value:
    """A property test; numbers compare as numbers, everything else as text."""
    number = value.try_cast("float64")
    tests = []
    for op, operand in condition.tests():
        if op == "in":
            texts = [str(v).lower() if isinstance(v, bool) else str(v) for v in operand]
            numbers = [float(v) for v in operand if _is_number(v)]
            hit = value.isin(texts)
            if numbers:
                hit = hit | number.isin(numbers)
            tests.append(hit)
        elif op in ("eq", "ne"):
            if _is_number(operand):
                test = number == float(operand)
            else:
                text = str(operand).lower() if isinstance(operand, bool) else str(operand)
                test = value == text
            tests.append(test if op == "eq" else ~test)
        else:
            compare = {"gt": operator.gt, "gte": operator.ge, "lt": operator.lt, "lte": operator.le}
            tests.append(compare[op](number, float(operand)))
    # a missing property fails every test, ne included
    return value.notnull() & functools.reduce(operator.and_, tests)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


PROPERTY_PREFIX = "_property_"
NTH_PREFIX = "_nth_"


def _property(touchpoints: ibis.Table, key: str) -> ibis.Value:
    """A property's text, from the column :func:`with_properties` made, or from the JSON."""
    column = PROPERTY_PREFIX + key
    if column in touchpoints.columns:
        return touchpoints[column]
    return json_field(touchpoints.properties, key)


def with_properties(
    touchpoints: ibis.Table, stages: list[Stage], *, only_these: bool = False
) -> ibis.Table:
    """Touchpoints with each property the rules test extracted once, as its own column,
    and the count of each role that a rule's ``nth`` asks about (see :func:`with_counts`).

    Rules test the same property many times (a rating in Advocate and in experience);
    parsing the JSON once per touchpoint instead of once per test saves most of the work.
    A property extracted before (a table this made, kept) is not extracted again.
    ``only_these``: the caller tests these rules and no other on the result, so a
    property is read only from the touchpoints a rule testing it names (NULL on the
    rest, where that rule fails anyway): most touchpoints are never parsed.
    """
    # a role's count first, of the touchpoints as given: its two halves then read them,
    # not a copy of them with the properties parsed that the engine would keep to share
    touchpoints = with_counts(touchpoints, stages)
    keys = sorted({key for stage in stages for rule in stage.rules for key in rule.where})
    keys = [key for key in keys if PROPERTY_PREFIX + key not in touchpoints.columns]
    columns = {}
    for key in keys:
        value = json_field(touchpoints.properties, key)
        testing = [rule for stage in stages for rule in stage.rules if key in rule.where]
        if only_these and all(rule.event for rule in testing):
            names = sorted({name for rule in testing for name in rule.event or ()})
            value = ibis.ifelse(touchpoints.event.isin(names), value, ibis.null("string"))
        columns[PROPERTY_PREFIX + key] = value
    return touchpoints.mutate(**columns)


def with_counts(touchpoints: ibis.Table, stages: list[Stage]) -> ibis.Table:
    """Touchpoints with ``_nth_<role>``: on a touchpoint of the role, which of the person's
    touchpoints of that role it is (1 = their first purchase), in time order (ties by
    event_id); else null.

    Counted over the touchpoints given, so a part of the data (a date range) counts on
    the whole first: :class:`Filtered` calls this before it cuts.
    """
    roles = {
        rule.role: rule.event
        for stage in stages
        for rule in stage.rules
        if rule.nth is not None and rule.event is not None
    }
    missing = {r: n for r, n in roles.items() if NTH_PREFIX + r not in touchpoints.columns}
    if not missing:
        return touchpoints
    # ties in time go by event_id where the source has one (a Spark table may not)
    order = ["ts", "event_id"] if "event_id" in touchpoints.columns else ["ts"]
    person = ibis.window(group_by="person_id", order_by=order)
    for role, names in missing.items():
        column = NTH_PREFIX + role
        hit = touchpoints.event.isin(names).fill_null(False)
        # the role's touchpoints numbered among themselves: the engine sorts those few,
        # not every touchpoint, as a running count over all of them would
        counted = touchpoints.filter(hit)
        counted = counted.mutate(**{column: (ibis.row_number().over(person) + 1).cast("int64")})
        rest = touchpoints.filter(~hit).mutate(**{column: ibis.null("int64")})
        touchpoints = ibis.union(counted, rest)
    return touchpoints


def rule_columns(stages: list[Stage]) -> list[str]:
    """The columns :func:`stage_matches` reads for these stages once :func:`with_properties`
    has added its own: the fields the rules name, the properties, the role counts, ts."""
    rules = [rule for stage in stages for rule in stage.rules]
    fields = {name for rule in rules for name in MATCHABLE if getattr(rule, name) is not None}
    keys = {PROPERTY_PREFIX + key for rule in rules for key in rule.where}
    counts = {NTH_PREFIX + rule.role for rule in rules if rule.nth is not None}
    return sorted(fields | keys | counts | {"ts"})


def rule_matches(touchpoints: ibis.Table, rule: Rule) -> ibis.Value:
    """True where a touchpoint satisfies every field of the rule."""
    tests: list[ibis.Value] = []
    for name in MATCHABLE:
        wanted = getattr(rule, name)
        if wanted is not None:
            tests.append(touchpoints[name].isin(wanted))
    for key, condition in rule.where.items():
        tests.append(_condition(_property(touchpoints, key), condition))
    if rule.role is not None and rule.event is None:
        raise ConfigError(f"the rule names role {rule.role!r} but was not bound to the roles")
    if rule.nth is not None:
        tests.append(_condition(touchpoints[NTH_PREFIX + rule.role].cast("string"), rule.nth))
    if not tests:  # 'any: true'
        return touchpoints.ts.notnull()
    return functools.reduce(operator.and_, tests).fill_null(False)


def stage_matches(touchpoints: ibis.Table, stage: Stage) -> ibis.Value:
    """True where a touchpoint enters the stage (matches any of its rules)."""
    return functools.reduce(operator.or_, [rule_matches(touchpoints, r) for r in stage.rules])

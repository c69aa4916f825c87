"""Identity stitching: anonymous touchpoints join the journey of the customer they become.

A *link* says an anonymous id belongs to a customer. Links come from touchpoints
that carry both ids (sign-up, login, identify) and from mapping files. When one
anonymous id is claimed by several customers (a shared device), one claim wins:
mapping files over touchpoints; among mapping files the latest loaded (so a later
file corrects an earlier one); among touchpoints the earliest claim; then the
smallest customer id. ``identity_conflicts`` lists every such id for review.
A touchpoint that names its customer_id always stays with that customer.
Touchpoints without any id belong to nobody.
"""

from __future__ import annotations

import ibis

ANONYMOUS_PREFIX = "anon:"
FROM_MAPPING, FROM_TOUCHPOINT = 0, 1
CLAIM = ibis.schema(
    {
        "anonymous_id": "string",
        "customer_id": "string",
        "ts": "timestamp('UTC')",
        "priority": "int32",
        "recency": "int64",
    }
)


def links(touchpoints: ibis.Table, mapping: ibis.Table | None) -> ibis.Table:
    """Every claim (anonymous_id, customer_id, ts, priority, recency) from both sources.

    ``mapping`` has anonymous_id, customer_id and optionally load_id (later loads win).
    """
    both = touchpoints.filter(
        touchpoints.anonymous_id.notnull() & touchpoints.customer_id.notnull()
    )
    claims = both.group_by(["anonymous_id", "customer_id"]).aggregate(ts=both.ts.min())
    claims = claims.mutate(
        priority=ibis.literal(FROM_TOUCHPOINT, "int32"), recency=ibis.literal(0, "int64")
    ).cast(CLAIM)
    if mapping is not None:
        mapping = mapping.filter(mapping.anonymous_id.notnull() & mapping.customer_id.notnull())
        recency = mapping.load_id if "load_id" in mapping.columns else ibis.literal(0, "int64")
        mapped = mapping.select(
            "anonymous_id",
            "customer_id",
            ts=ibis.null(),
            priority=ibis.literal(FROM_MAPPING, "int32"),
            recency=recency,
        ).cast(CLAIM)
        claims = claims.select(*CLAIM.names).union(mapped)
    return claims


def clean_ids(table: ibis.Table) -> ibis.Table:
    """Blank ids as missing ids, for data that did not come through a load (which does this)."""
    # a regex, not strip(): Ibis writes strip() for Spark as TRIM(' \t\n\r\v\f' ...), and
    # Spark reads \v and \f there as the letters v and f, so ids like "chef" lost letters
    blank = r"^\s+|\s+$"
    return table.mutate(
        customer_id=table.customer_id.cast("string").re_replace(blank, "").nullif(""),
        anonymous_id=table.anonymous_id.cast("string").re_replace(blank, "").nullif(""),
    )


def identity_map(touchpoints: ibis.Table, mapping: ibis.Table | None = None) -> ibis.Table:
    """One customer_id per linked anonymous_id (the winning claim)."""
    claims = links(touchpoints, mapping)
    rank = ibis.row_number().over(
        group_by=claims.anonymous_id,
        order_by=[
            claims.priority,
            claims.recency.desc(),
            claims.ts.asc(nulls_first=True),
            claims.customer_id,
        ],
    )
    ranked = claims.mutate(rank=rank)
    return ranked.filter(ranked["rank"] == 0).select(
        "anonymous_id", linked_customer_id=ranked.customer_id
    )


def conflicts(touchpoints: ibis.Table, mapping: ibis.Table | None = None) -> ibis.Table:
    """Anonymous ids claimed by more than one customer, with the claim that won."""
    claims = links(touchpoints, mapping)
    counted = claims.group_by("anonymous_id").aggregate(
        customers=claims.customer_id.nunique(),
        claimed_by=claims.customer_id.collect(distinct=True).sort(),
    )
    winners = identity_map(touchpoints, mapping)
    many = counted.filter(counted.customers > 1)
    return (
        many.join(winners, "anonymous_id")
        .select("anonymous_id", "customers", "claimed_by", assigned_to="linked_customer_id")
        .order_by("anonymous_id")
    )


def stitched(touchpoints: ibis.Table, mapping: ibis.Table | None = None) -> ibis.Table:
    """Touchpoints with ``person_id``: the customer they belong to, or ``anon:<id>``.

    Touchpoints with neither id are left out: they belong to no journey.
    """
    winners = identity_map(touchpoints, mapping)
    touchpoints = touchpoints.filter(
        touchpoints.customer_id.notnull() | touchpoints.anonymous_id.notnull()
    )
    joined = touchpoints.left_join(winners, "anonymous_id")
    person = ibis.coalesce(
        joined.customer_id,
        joined.linked_customer_id,
        ibis.literal(ANONYMOUS_PREFIX) + joined.anonymous_id,
    )
    return joined.mutate(person_id=person).drop("linked_customer_id")

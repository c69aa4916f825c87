"""Identity stitching: anonymous touchpoints join the journey of the customer they become.

A *link* says an anonymous id belongs to a customer. Links come from touchpoints
that carry both ids (sign-up, login, identify) and from mapping files. When one
anonymous id is claimed by several customers (a shared device), one claim wins:
mapping files over touchpoints; among mapping files the latest loaded (so a later
file corrects an earlier one); among touchpoints the earliest claim; then the
smallest customer id. ``identity_conflicts`` lists every such id for review.
A touchpoint that names its customer_id always stays with that customer.
Touchpoints without any id belong to nobody.

Emails and phone numbers (see :mod:`jejak.store.contacts`) are ids too, as contact
keys ``email:...`` and ``phone:...``. Their links run from the weaker id to the
stronger (anonymous id -> phone -> email -> customer id), and stitching follows them:
a WhatsApp message that carries only a phone number joins the customer whose email
a CRM list gives with that number. A claim on a customer beats a claim on a contact
key. A contact key linked to no customer is a person of its own (``email:...``).
"""

from __future__ import annotations

import ibis

from jejak.store.prefixes import ANONYMOUS_PREFIX, EMAIL_PREFIX, PHONE_PREFIX

HOPS = 3  # the longest chain of links: anonymous id -> phone -> email -> customer
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


def is_contact(value: ibis.StringValue) -> ibis.BooleanValue:
    """Whether an id is a contact key (an email or phone number)."""
    return value.startswith(EMAIL_PREFIX) | value.startswith(PHONE_PREFIX)


def identity_map(touchpoints: ibis.Table, mapping: ibis.Table | None = None) -> ibis.Table:
    """One customer_id per linked anonymous_id (the winning claim): a customer id, or a
    contact key when the id is linked to no customer directly."""
    claims = links(touchpoints, mapping)
    rank = ibis.row_number().over(
        group_by=claims.anonymous_id,
        order_by=[
            is_contact(claims.customer_id).cast("int8"),
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


def followed(winners: ibis.Table) -> ibis.Table:
    """The winning claims followed through contact keys: an anonymous id linked to a
    phone number linked to an email linked to a customer is linked to the customer.
    Only contact keys are followed, so a customer id used as an anonymous id elsewhere
    does not chain customers together."""
    final = winners
    for _ in range(HOPS - 1):
        step = winners.view().rename(next_id="anonymous_id", next_linked="linked_customer_id")
        linked = final.linked_customer_id
        final = final.mutate(hop=ibis.ifelse(is_contact(linked), linked, ibis.null("string")))
        joined = final.left_join(step, final.hop == step.next_id)
        final = joined.select(
            "anonymous_id",
            linked_customer_id=ibis.coalesce(joined.next_linked, joined.linked_customer_id),
        )
    return final


def with_an_id(touchpoints: ibis.Table) -> ibis.Table:
    """The touchpoints that belong to someone: those with a customer or anonymous id."""
    return touchpoints.filter(
        touchpoints.customer_id.notnull() | touchpoints.anonymous_id.notnull()
    )


def winners(touchpoints: ibis.Table, mapping: ibis.Table | None = None) -> ibis.Table:
    """Each linked anonymous id's customer (or contact key), claims followed through
    contact keys: (anonymous_id, linked_customer_id)."""
    return followed(identity_map(touchpoints, mapping))


def assigned(touchpoints: ibis.Table, winners: ibis.Table) -> ibis.Table:
    """Touchpoints with ``person_id``, given the ``winners`` of the claims (see
    :func:`stitched`); those with neither id are left out."""
    touchpoints = with_an_id(touchpoints)
    winners = winners.rename(linked_anonymous_id="anonymous_id")
    joined = touchpoints.left_join(
        winners, touchpoints.anonymous_id == winners.linked_anonymous_id
    ).drop("linked_anonymous_id")
    anonymous = ibis.ifelse(
        is_contact(joined.anonymous_id),
        joined.anonymous_id,
        ibis.literal(ANONYMOUS_PREFIX) + joined.anonymous_id,
    )
    person = ibis.coalesce(joined.customer_id, joined.linked_customer_id, anonymous)
    return joined.mutate(person_id=person).drop("linked_customer_id")


def stitched(touchpoints: ibis.Table, mapping: ibis.Table | None = None) -> ibis.Table:
    """Touchpoints with ``person_id``: the customer they belong to, the contact key
    (``email:...``, ``phone:...``) of a person known by no customer id, or ``anon:<id>``.

    Touchpoints with neither id are left out: they belong to no journey.
    """
    return assigned(touchpoints, winners(touchpoints, mapping))

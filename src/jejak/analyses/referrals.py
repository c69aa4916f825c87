"""Referrals: who brought whom, how deep the chains go, the K-factor and top promoters.

Definitions:
- An *invite* is a touchpoint matching ``invite`` (default: the ``referral`` role).
- A person was *referred by* the customer id in the ``referrer`` property (default
  ``referrer_id``) of their earliest touchpoint that has one; those links form the
  referral tree. A person's *depth* is the number of links above them (0: nobody
  referred them).
- A *customer* has at least one purchase (``purchase``, default: the ``purchase`` role).
- K-factor = invites per customer x invite conversion, counting only what customers did:
  invites per customer is the invites customers sent over the number of customers, and
  invite conversion the customers they referred over those invites (above 1 when one
  shared link brought several). Without any invite it is the customers referred by
  customers per customer. A referred person counts as a customer whenever they bought,
  before the referral link or after.
- Revenue compares referred customers with the others (mean total revenue per customer).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.matching import stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.engine.functions import json_field
from jejak.language import gettext
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey
from jejak.model.roles import roles_of


@dataclass
class Referrals(Result):
    """``table``: referrers, most referred customers first (the promoters to reward)."""

    tree: pd.DataFrame | None = None

    def figure(self) -> Any:
        return drawn(self)


def _matching(events: ibis.Table, journey: Journey, step: Any) -> ibis.Table:
    matcher = FunnelStep.of(step).as_stage(journey)
    marked = with_properties(events, [matcher])
    return marked.filter(stage_matches(marked, matcher))


def referrals(
    events: ibis.Table,
    journey: Journey,
    *,
    invite: Any = None,
    referrer: str | None = None,
    purchase: Any = None,
) -> Referrals:
    """The referral tree and its numbers (see the module's definitions).

    ``table`` columns: person_id (the referrer), invites, referred, referred_customers,
    referred_revenue, depth. ``tree``: person_id, referred_by, depth, customer, revenue for
    everyone referred and every referrer. ``meta``: customers, invites, referred,
    referred_customers, invites_per_customer, invite_conversion, k_factor, revenue
    comparison, deepest chain.
    """
    roles = roles_of(journey)
    invite = roles.step_or(invite, "referral")
    referrer = roles.field("referral") if referrer is None else referrer
    purchase = roles.step_or(purchase, "purchase")
    invites = _matching(events, journey, invite)
    sent = invites.group_by("person_id").aggregate(invites=invites.count()).to_pandas()
    bought = _matching(events, journey, purchase)
    spent = (
        bought.group_by("person_id")
        .aggregate(revenue=bought.revenue.fill_null(0.0).sum())
        .to_pandas()
    )
    named = events.mutate(_by=json_field(events.properties, referrer))
    named = named.filter(named._by.notnull() & (named._by != "") & (named._by != named.person_id))
    earliest = ibis.row_number().over(group_by=named.person_id, order_by=[named.ts, named.event_id])
    named = named.mutate(_first=earliest)
    links = named.filter(named._first == 0).select("person_id", referred_by=named._by)
    links = links.to_pandas()

    parent = dict(zip(links["person_id"], links["referred_by"], strict=True))
    people = sorted(set(parent) | set(parent.values()) | set(sent["person_id"]))
    tree = pd.DataFrame({"person_id": people})
    tree["referred_by"] = tree["person_id"].map(parent)
    tree["depth"] = [_depth(p, parent) for p in people]
    revenue = spent.set_index("person_id")["revenue"]
    tree["customer"] = tree["person_id"].isin(revenue.index)
    tree["revenue"] = tree["person_id"].map(revenue).fillna(0.0)

    referred = tree[tree["referred_by"].notna()]
    per_referrer = referred.groupby("referred_by").agg(
        referred=("person_id", "size"),
        referred_customers=("customer", "sum"),
        referred_revenue=("revenue", "sum"),
    )
    invites_by = sent.set_index("person_id")["invites"]
    referrers = sorted(set(per_referrer.index) | set(invites_by.index))
    table = pd.DataFrame({"person_id": referrers})
    table["invites"] = table["person_id"].map(invites_by).fillna(0).astype("int64")
    for column in ("referred", "referred_customers"):
        table[column] = table["person_id"].map(per_referrer[column]).fillna(0).astype("int64")
    table["referred_revenue"] = table["person_id"].map(per_referrer["referred_revenue"]).fillna(0.0)
    table["depth"] = table["person_id"].map(tree.set_index("person_id")["depth"])
    table = table.sort_values(
        ["referred_customers", "referred", "invites", "person_id"],
        ascending=[False, False, False, True],
    ).reset_index(drop=True)

    customers = set(revenue.index)
    invites_from_customers = int(invites_by[invites_by.index.isin(customers)].sum())
    referred_customers = int(referred["customer"].sum())
    by_customers = int((referred["customer"] & referred["referred_by"].isin(customers)).sum())
    others = revenue[~revenue.index.isin(referred["person_id"])]
    meta = {
        "customers": len(customers),
        "invites": int(invites_by.sum()),
        "invites_from_customers": invites_from_customers,
        "referred": len(referred),
        "referred_customers": referred_customers,
        "invites_per_customer": _ratio(invites_from_customers, len(customers)),
        "customers_referred_by_customers": by_customers,
        "invite_conversion": _ratio(by_customers, invites_from_customers),
        "k_factor": _ratio(by_customers, len(customers)),
        "revenue_per_referred_customer": _mean(referred.loc[referred["customer"], "revenue"]),
        "revenue_per_other_customer": _mean(others),
        "deepest_chain": int(tree["depth"].max()) if len(tree) else 0,
        "invite": FunnelStep.of(invite).label,
        "referrer_property": referrer,
    }
    return Referrals(title=gettext("Referrals"), table=table, meta=meta, tree=tree)


def _depth(person: str, parent: dict[str, str]) -> int:
    """Links above ``person``; a loop in the data (a refers b refers a) stops the count."""
    depth, seen = 0, {person}
    while person in parent and parent[person] not in seen:
        person = parent[person]
        seen.add(person)
        depth += 1
    return depth


def _ratio(top: float, bottom: float) -> float:
    return float(top) / float(bottom) if bottom else float("nan")


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float(np.nan)

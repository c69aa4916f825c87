"""Report sections on groups of customers: engagement groups, RFM segments, clusters
and saved segments."""

from __future__ import annotations

from typing import Any

from jejak.language import N_, gettext, pgettext
from jejak.report import formatting as fmt
from jejak.report.html.customer_value import amount
from jejak.report.html.page import Section
from jejak.report.tables import engagement_group


def engagement_sections(source: Any) -> list[Section]:
    """Who follows the content and who only transacts."""
    sections: list[Section] = []
    groups = source.engagement_groups()
    share = groups.table.set_index("group")["share"].get("follows content")
    sections.append(
        Section(
            heading=groups.title,
            intro=gettext(
                "{share} of people follow the content (most of their touchpoints are content,"
                " video or community rather than product views and orders); in the research"
                " the seeds cite it was 23%. How each group buys and answers email says how to"
                " talk to it."
            ).format(share=fmt.percent(share, 0)),
            figures=[groups.figure()],
            table=groups.table,
            columns=[
                fmt.Column("group", N_("Group"), engagement_group),
                fmt.Column("people", N_("People"), fmt.people),
                fmt.Column("share", N_("Share"), fmt.percent),
                fmt.Column("converted", N_("Bought"), fmt.percent),
                fmt.Column("open_rate", N_("Opened per email"), fmt.percent),
                fmt.Column("click_rate", N_("Clicked per email"), fmt.percent),
            ],
        )
    )
    return sections


def rfm_sections(source: Any) -> list[Section]:
    """Buyers in named RFM segments."""
    sections: list[Section] = []
    scores = source.rfm()
    summary = scores.segments()
    money = amount(source)
    sections.append(
        Section(
            heading=scores.title,
            intro=gettext(
                "Buyers scored 1-5 on how recently and how often they bought and how much they"
                " spent, named by recency and frequency: reward the Champions, win back who is"
                " At risk before they are Lost."
            ),
            figures=[scores.figure()],
            table=summary,
            columns=[
                fmt.Column("segment", N_("Segment"), lambda name: pgettext("rfm", name)),
                fmt.Column("buyers", N_("Buyers"), fmt.people),
                fmt.Column("share", N_("Share"), fmt.percent),
                fmt.Column("recency_days", N_("Days since last"), lambda v: fmt.number(v, 0)),
                fmt.Column("frequency", N_("Purchases"), lambda v: fmt.number(v, 1)),
                fmt.Column("monetary", N_("Spent"), money),
            ],
            saves=[{"rfm": [str(name)]} for name in summary["segment"]],
        )
    )
    return sections


def cluster_sections(source: Any) -> list[Section]:
    """Behavioural clusters, described in words."""
    sections: list[Section] = []
    clusters = source.clusters()
    sections.append(
        Section(
            heading=clusters.title,
            intro=gettext(
                "People grouped by how far they got, how they arrived, the channels and"
                " touchpoints they use and what they spent ({k} groups, k-means); each is named"
                " by what sets it apart. Save one as a segment to follow it: jejak segments"
                " save NAME --cluster N --k {k}."
            ).format(k=clusters.meta["k"]),
            figures=[clusters.figure()],
            table=clusters.table,
            columns=[
                fmt.Column("cluster", N_("Cluster")),
                fmt.Column("description", N_("Who they are")),
                fmt.Column("people", N_("People"), fmt.people),
                fmt.Column("share", N_("Share"), fmt.percent),
                fmt.Column("acquired_share", N_("Main channel's share"), fmt.percent),
                fmt.Column("engagement_share", N_("Content share"), fmt.percent),
                fmt.Column("buyers", N_("Bought"), fmt.percent),
                fmt.Column("revenue", N_("Revenue per person"), amount(source)),
            ],
        )
    )
    return sections


def segment_sections(source: Any) -> list[Section]:
    """The saved segments, their people, and the stage funnel of each (none: no section)."""
    if not source.segment_definitions():
        return []
    listed = source.segments()
    funnel = source.stages(by="segment")
    return [
        Section(
            heading=gettext("Saved segments"),
            intro=gettext(
                "The segments saved for this shop and how far each gets on the journey. A"
                " person can be in several; '(in no segment)' is everyone else. Use one"
                " anywhere with --segment NAME, or export its people: jejak segments export."
            ),
            figures=[funnel.figure()],
            table=listed.table,
            columns=[
                fmt.Column("segment", N_("Segment")),
                fmt.Column("people", N_("People"), fmt.people),
                fmt.Column("definition", N_("Definition")),
                fmt.Column("description", N_("Description")),
            ],
        )
    ]

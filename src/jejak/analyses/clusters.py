"""Behavioural clusters: groups of people who move, arrive and act alike, described in words.

Definitions:
- Each person (who did anything but receive messages, ``sent`` touchpoints) is described
  by: how far they got (their current stage, 0 to 1 along the journey), their acquisition
  channel (first touchpoint, one column per channel among the most used, the rest
  "other"), their channel mix (share of their
  touchpoints per channel), their touchpoint mix (share that is engagement, transactional,
  feedback), how many purchases and how much revenue (log scale), computed in the engine.
- The features are standardised, each kind of behaviour weighted the same, and grouped
  by k-means (scikit-learn, fixed seed, so the same data gives the same clusters).
  ``k=None`` picks k from 3 to 8 by the silhouette score on a sample of up to 5,000
  people (2 would mostly split buyers from the rest). Clusters are numbered by size, 1
  the largest.
- Each cluster is described by its dominant traits: its main acquisition channel when at
  least half of it came that way, the stage it stalls at (the most common current stage),
  whether it reads content or only transacts, whether it buys, and its NPS (mean answer:
  9 or more high, 6 or less low) where at least a fifth of it answered; a trait is named
  when the cluster stands out from everyone on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import numpy as np
import pandas as pd

from jejak.analyses.engagement import transactional_step
from jejak.analyses.matching import rule_columns, stage_matches, with_properties
from jejak.analyses.result import Result, drawn
from jejak.analyses.stages import NONE_LABEL, current_stages, first_touch
from jejak.analyses.threads import one_thread
from jejak.engine.functions import json_field
from jejak.errors import JejakError
from jejak.language import gettext, localised, ngettext, stage
from jejak.model.funnel import FunnelStep
from jejak.model.journey import Journey
from jejak.model.roles import roles_of

MAX_CHANNELS = 8
SAMPLE = 5_000
BLOCK = 256  # rows of distances at a time: 10 MB, within the CPU's cache
SEED = 0


@dataclass
class Clusters(Result):
    """``table``: one row per cluster with its traits; ``people``: each person's cluster."""

    people: pd.DataFrame | None = None

    def figure(self) -> Any:
        return drawn(self)


def _matcher(journey: Journey, step: Any, name: str):
    return FunnelStep.of(step).as_stage(journey).model_copy(update={"name": name})


def person_features(
    events: ibis.Table,
    journey: Journey,
    *,
    purchase: Any = None,
    survey: Any = None,
    sent: list[str] | tuple[str, ...] = (),
) -> pd.DataFrame:
    """One row per person: the behaviour clusters are made of (see the module)."""
    if sent:
        events = events.filter(~events.event.isin(list(sent)))
    roles = roles_of(journey)
    kinds = {
        "_e": roles.step("content"),
        "_t": transactional_step(roles),
        "_p": roles.step_or(purchase, "purchase"),
        "_s": roles.step_or(survey, "nps"),
    }
    matchers = {k: _matcher(journey, step, k) for k, step in kinds.items()}
    # every part below reads these touchpoints (the engine keeps them for the query): the
    # properties the rules and the NPS answer test come out of the JSON once, and only
    # the columns read are kept
    rules = [*journey.stages, *matchers.values()]
    # these rules are the only ones tested below: a property is parsed only where one
    # tests it, and the NPS answer only on the survey's touchpoints (it is read nowhere else)
    events = with_properties(events, rules, only_these=True)
    score = json_field(events.properties, roles.field("nps"))
    surveys = sorted({name for rule in matchers["_s"].rules for name in rule.event or ()})
    if surveys and all(rule.event for rule in matchers["_s"].rules):
        score = ibis.ifelse(events.event.isin(surveys), score, ibis.null("string"))
    events = events.mutate(_score=score)
    keep = ["person_id", "event_id", "ts", "event", "channel", "revenue", "_score"]
    events = events.select(*dict.fromkeys([*keep, *rule_columns(rules)]))
    channels = events.channel.fill_null(NONE_LABEL)
    top = (
        events.mutate(channel=channels)
        .group_by("channel")
        .aggregate(n=ibis._.count())
        .order_by([ibis.desc("n"), "channel"])
        .limit(MAX_CHANNELS)
        .to_pandas()["channel"]
        .tolist()
    )
    marked = events.mutate(
        _channel=channels,
        **{k: stage_matches(events, m) for k, m in matchers.items()},
        _score=events._score.try_cast("float64"),
    )
    aggregates: dict[str, ibis.Value] = {
        "touchpoints": marked.count(),
        "purchases": marked.count(where=marked._p),
        "revenue": marked.revenue.sum(where=marked._p),
        "nps": marked._score.mean(where=marked._s),
        "transactional": marked.count(where=marked._t),
    }
    if "_e" in matchers:
        aggregates["engagement"] = marked.count(where=marked._e)
    for i, channel in enumerate(top):
        aggregates[f"_via{i}"] = marked.count(where=marked._channel == channel)
    per_person = marked.group_by("person_id").aggregate(**aggregates)
    stages = current_stages(events, journey).select("person_id", "stage", "stage_index")
    acquired = first_touch(events, "channel").rename(acquired_by="channel")
    acquired = acquired.mutate(
        acquired_by=acquired.acquired_by.isin(top).ifelse(acquired.acquired_by, "other")
    )
    joined = per_person.left_join(stages, "person_id").drop("person_id_right")
    joined = joined.left_join(acquired, "person_id").drop("person_id_right")
    frame = joined.to_pandas().sort_values("person_id").reset_index(drop=True)
    if "engagement" not in frame:
        frame["engagement"] = 0
    for i, channel in enumerate(top):
        frame[f"via {channel}"] = frame.pop(f"_via{i}") / frame["touchpoints"]
    frame["revenue"] = frame["revenue"].fillna(0.0).astype(float)
    frame["stage_index"] = frame["stage_index"].fillna(0).astype(int)
    frame["stage"] = frame["stage"].fillna(NONE_LABEL)  # matched no stage at all
    frame["acquired_by"] = frame["acquired_by"].fillna(NONE_LABEL)
    return frame


def _matrix(frame: pd.DataFrame, journey: Journey) -> pd.DataFrame:
    """What k-means sees: each feature standardised, then each of the five kinds of
    behaviour (progress, acquisition, channel mix, touchpoint mix, value) weighted to count
    the same, however many columns it takes."""
    steps = max(len(journey.stages) - 1, 1)
    total = frame["touchpoints"].astype(float)
    kinds = {
        "progress": pd.DataFrame({"progress": (frame["stage_index"] - 1).clip(lower=0) / steps}),
        "acquisition": pd.get_dummies(
            frame["acquired_by"], prefix="acquired by", prefix_sep=" "
        ).astype(float),
        "channels": frame[[c for c in frame.columns if c.startswith("via ")]],
        "mix": pd.DataFrame(
            {
                "engagement share": frame["engagement"] / total,
                "transactional share": frame["transactional"] / total,
            }
        ),
        "value": pd.DataFrame(
            {
                "purchases (log)": np.log1p(frame["purchases"].astype(float)),
                "revenue (log)": np.log1p(frame["revenue"].clip(lower=0)),
            }
        ),
    }
    parts = []
    for name, part in kinds.items():
        if part.shape[1] == 0:
            continue
        if name == "acquisition":
            # shares, not standardised one by one (a rare channel's column would blow up):
            # the group as a whole is scaled to count as much as the others
            centred = part - part.mean()
            total = float(np.sqrt((centred**2).sum(axis=1).mean())) or 1.0
            parts.append(centred / total)
            continue
        spread = part.std(ddof=0).replace(0, 1.0)
        parts.append((part - part.mean()) / spread / np.sqrt(part.shape[1]))
    return pd.concat(parts, axis=1)


def _fit(scaled: np.ndarray, k: int):
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=SEED).fit(scaled)


def _silhouettes(sample: np.ndarray, labelings: list[np.ndarray]) -> list[float]:
    """The mean silhouette of each labelling of ``sample`` over Euclidean distances
    (scikit-learn's definition: 0 for a point alone in its cluster). Every labelling's
    sums of distances per cluster come from one matrix product per block of rows: the
    distances are made a block at a time and never held whole (the same numbers as
    ``pairwise_distances`` of the sample, at a tenth of its memory traffic)."""
    from sklearn.metrics.pairwise import euclidean_distances
    from sklearn.utils.extmath import row_norms

    size = len(sample)
    rows = np.arange(size)
    found = [np.unique(labels, return_inverse=True)[1] for labels in labelings]
    widths = [int(index.max()) + 1 for index in found]
    members = np.zeros((size, sum(widths)))
    offsets = np.cumsum([0, *widths])
    for index, offset in zip(found, offsets, strict=False):
        members[rows, offset + index] = 1.0
    every = np.empty_like(members)
    squared = row_norms(sample, squared=True)
    for start in range(0, size, BLOCK):
        stop = min(start + BLOCK, size)
        block = euclidean_distances(
            sample[start:stop], sample,
            X_norm_squared=squared[start:stop], Y_norm_squared=squared,
        )  # fmt: skip
        block[rows[: stop - start], rows[start:stop]] = 0.0  # a point's own distance
        every[start:stop] = block @ members
    scores = []
    for index, start, stop in zip(found, offsets, offsets[1:], strict=False):
        sums, sizes = every[:, start:stop], members[:, start:stop].sum(axis=0)
        own = sums[rows, index]
        sums[rows, index] = np.inf
        nearest = (sums / sizes).min(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            within = own / (sizes - 1)[index]
            each = (nearest - within) / np.maximum(within, nearest)
        scores.append(float(np.nan_to_num(each).mean()))
    return scores


def _choose_k(scaled: np.ndarray) -> int:
    rng = np.random.default_rng(SEED)
    sample = scaled if len(scaled) <= SAMPLE else scaled[rng.choice(len(scaled), SAMPLE, False)]
    distinct = len(np.unique(sample.round(9), axis=0))
    if distinct <= 3:
        return max(distinct, 1)
    labelings = {}
    for k in range(3, min(8, distinct - 1) + 1):
        labels = _fit(sample, k).labels_
        if len(set(labels)) >= 2:
            labelings[k] = labels
    if not labelings:
        return 3
    # every k's score reads the same distances: made once, a block at a time (the same numbers as
    # silhouette_score computes on the sample itself)
    scores = _silhouettes(sample, list(labelings.values()))
    best, best_score = 3, -1.0
    for k, score in zip(labelings, scores, strict=True):
        if score > best_score + 1e-9:
            best, best_score = k, score
    return best


@dataclass(frozen=True)
class ClusterFit:
    """What k-means found, in no language: ``people``, each person's features (see
    :func:`person_features`) and ``cluster`` (1 = the largest); ``k``, the number of
    clusters; ``features``, the columns k-means saw."""

    people: pd.DataFrame
    k: int
    features: list[str]


def fit_clusters(
    events: ibis.Table,
    journey: Journey,
    *,
    k: int | None = None,
    purchase: Any = None,
    survey: Any = None,
    sent: list[str] | tuple[str, ...] = (),
) -> ClusterFit:
    """Group people by behaviour (see the module's definitions); :func:`described` says
    what each cluster is."""
    frame = person_features(events, journey, purchase=purchase, survey=survey, sent=sent)
    if k is not None and (not isinstance(k, int) or k < 1):
        raise JejakError(
            gettext("k is a number of clusters, 1 or more (not {k}); or leave it out").format(
                k=repr(k)
            )
        )
    if frame.empty:
        raise JejakError(gettext("nobody to cluster yet: load touchpoints first"))
    if k is not None and k > len(frame):
        raise JejakError(
            ngettext(
                "only {count} person to cluster; ask for fewer clusters (k) or load more"
                " touchpoints",
                "only {count} people to cluster; ask for fewer clusters (k) or load more"
                " touchpoints",
                len(frame),
            ).format(count=localised(f"{len(frame):,}"))
        )
    matrix = _matrix(frame, journey)
    scaled = matrix.to_numpy()
    # loaded before the limit, which reaches only the thread pools loaded when it starts:
    # a process's first fit otherwise ran on OpenMP's spinning threads (2,000 people: 9 s
    # of k-means, not 0.3)
    import sklearn.cluster
    import sklearn.metrics.pairwise  # noqa: F401

    with one_thread():  # k-means's OpenMP threads spin on a busy machine (see threads.py)
        chosen = k if k is not None else _choose_k(scaled) if len(frame) > 3 else 1
        labels = _fit(scaled, chosen).labels_ if chosen > 1 else np.zeros(len(frame), int)
    # number clusters by size, largest first (ties by the label k-means gave)
    sizes = pd.Series(labels).value_counts()
    order = sorted(sizes.index, key=lambda label: (-sizes[label], label))
    frame["cluster"] = pd.Series(labels).map({label: i + 1 for i, label in enumerate(order)})
    return ClusterFit(people=frame, k=int(chosen), features=list(matrix.columns))


def described(fit: ClusterFit, journey: Journey) -> Clusters:
    """The clusters of ``fit``, each described in this context's language.

    ``table`` columns: cluster (1 = largest), people, share (0-1), description, stage
    (most common current stage) and stage_share, acquired_by (main acquisition channel)
    and acquired_share, engagement_share, buyers (share who bought), revenue (mean per
    person), nps (mean answer, empty without answers).
    """
    frame = fit.people
    table = _describe(frame, journey)
    people = frame[["person_id", "cluster", "stage", "acquired_by", "purchases", "revenue"]]
    meta = {"k": fit.k, "people": len(frame), "features": list(fit.features)}
    return Clusters(title=gettext("Behavioural clusters"), table=table, meta=meta, people=people)


def clusters(
    events: ibis.Table,
    journey: Journey,
    *,
    k: int | None = None,
    purchase: Any = None,
    survey: Any = None,
    sent: list[str] | tuple[str, ...] = (),
) -> Clusters:
    """Group people by behaviour and describe each group (see the module's definitions
    and :func:`described` for the columns)."""
    found = fit_clusters(events, journey, k=k, purchase=purchase, survey=survey, sent=sent)
    return described(found, journey)


def _describe(frame: pd.DataFrame, journey: Journey) -> pd.DataFrame:
    total = frame["touchpoints"].astype(float)
    frame = frame.assign(
        _engaged=frame["engagement"] / total,
        _bought=frame["purchases"] > 0,
    )
    overall = {
        "engaged": frame["_engaged"].mean(),
        "bought": frame["_bought"].mean(),
        "revenue": frame["revenue"].mean(),
    }
    last = journey.stage_names[-1]
    rows = []
    for cluster, group in frame.groupby("cluster", sort=True):
        stage_counts = group["stage"].value_counts()
        channel_counts = group["acquired_by"].value_counts()
        answered = group["nps"].notna().mean()
        row = {
            "cluster": int(cluster),
            "people": len(group),
            "share": len(group) / len(frame),
            "stage": stage_counts.index[0],
            "stage_share": stage_counts.iloc[0] / len(group),
            "acquired_by": channel_counts.index[0],
            "acquired_share": channel_counts.iloc[0] / len(group),
            "engagement_share": group["_engaged"].mean(),
            "buyers": group["_bought"].mean(),
            "revenue": group["revenue"].mean(),
            "nps": group["nps"].mean() if answered >= 0.2 else float("nan"),
        }
        traits = []
        if row["acquired_share"] >= 0.5:
            traits.append(gettext("mostly {channel}").format(channel=row["acquired_by"]))
        reached = stage(str(row["stage"]))
        traits.append(
            gettext("reaches {stage}").format(stage=reached)
            if row["stage"] == last
            else gettext("stalls at {stage}").format(stage=reached)
        )
        if row["engagement_share"] >= max(2 * overall["engaged"], 0.3):
            traits.append(gettext("reads content"))
        elif row["engagement_share"] <= 0.5 * overall["engaged"]:
            traits.append(gettext("little content"))
        if row["buyers"] < 0.05:
            traits.append(gettext("no purchases"))
        elif overall["revenue"] > 0 and row["revenue"] >= 2 * overall["revenue"]:
            traits.append(gettext("high spend"))
        if row["nps"] >= 9:
            traits.append(gettext("high NPS"))
        elif row["nps"] <= 6:
            traits.append(gettext("low NPS"))
        row["description"] = ", ".join(traits)
        rows.append(row)
    columns = [
        "cluster",
        "people",
        "share",
        "description",
        "stage",
        "stage_share",
        "acquired_by",
        "acquired_share",
        "engagement_share",
        "buyers",
        "revenue",
        "nps",
    ]
    return pd.DataFrame(rows, columns=columns)

"""One call from a plan to a demo shop: latent journeys, touchpoints and their truth.

The simulated shop is jejak's known-answer test: analyses run on its touchpoints and are
checked against ``truth``, which is derived from the plan rather than from the sample.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from jejak.simulate.batch import id_width, prefixed_ids
from jejak.simulate.journeys import Journeys, simulate_journeys
from jejak.simulate.shop import STAGES, ShopPlan
from jejak.simulate.spend import ad_spend, spend_truth
from jejak.simulate.touchpoints import emit_touchpoints
from jejak.simulate.truth import build_truth


@dataclass(frozen=True)
class SimulatedShop:
    """Touchpoints in the canonical schema, the truth behind them, and the latent journeys."""

    plan: ShopPlan
    seed: int
    touchpoints: pa.Table
    truth: dict[str, Any]
    journeys: Journeys
    ad_spend: pa.Table | None = None
    """What the ads cost per day, channel and campaign (None: the plan pays for none)."""

    def people(self) -> pa.Table:
        """One row per person: ids, channel, latent stage and the observed stage entry times.

        An ``<stage>_at`` is null when the stage has no matching touchpoint in the period
        (not reached, reached after the end, or a guest's skipped Subscribe).
        """
        j = self.journeys
        width = id_width(j.people)
        identified = j.identify < j.horizon
        start = int(self.plan.start_datetime.timestamp())
        anonymous = prefixed_ids("a", np.arange(j.people), width)
        customer = prefixed_ids("c", j.customer_number, width)
        has_referrer = j.referrer >= 0
        columns: dict[str, pa.Array] = {
            "anonymous_id": anonymous,
            "customer_id": pc.if_else(
                pa.array(identified), customer, pa.nulls(j.people, pa.string())
            ),
            "channel": pa.array(np.asarray(self.plan.channels, dtype=object)[j.channel]),
            "latent_stage": pa.array(j.latent_stage.astype(np.int64)),
            "guest": pa.array(j.guest),
            "referrer_id": customer.take(
                pa.array(np.where(has_referrer, j.referrer, 0), mask=~has_referrer)
            ),
        }
        ts_type = pa.timestamp("us", tz="UTC")
        for k, stage in enumerate(STAGES):
            seen = j.observed(k)
            micros = (start + np.where(seen, j.entry[:, k], 0)) * 1_000_000
            columns[f"{stage.lower()}_at"] = pa.array(micros, mask=~seen).cast(ts_type)
        return pa.table(columns)

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write ``touchpoints.parquet`` and ``truth.json`` into ``directory``, and
        ``ad_spend.csv`` (date,channel,campaign,spend,currency) when ads were paid for."""
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"touchpoints": out / "touchpoints.parquet", "truth": out / "truth.json"}
        pq.write_table(self.touchpoints, paths["touchpoints"])
        if self.ad_spend is not None:
            import pyarrow.csv as pacsv

            paths["ad_spend"] = out / "ad_spend.csv"
            pacsv.write_csv(self.ad_spend, paths["ad_spend"])
        paths["truth"].write_text(json.dumps(self.truth, indent=2) + "\n", encoding="utf-8")
        return paths


def simulate_shop(
    customers: int = 20_000, seed: int = 7, plan: ShopPlan | None = None
) -> SimulatedShop:
    """Simulate ``customers`` people of a demo shop; identical output for identical inputs."""
    if seed < 0:
        raise ValueError("seed must be a non-negative integer")
    plan = plan or ShopPlan()
    journeys = simulate_journeys(plan, customers, seed)
    touchpoints = emit_touchpoints(journeys, seed)
    truth = build_truth(plan, journeys, touchpoints)
    truth["seed"] = seed
    spend = ad_spend(journeys, seed) if plan.cost_per_acquisition else None
    truth["ad_spend"] = {} if spend is None else spend_truth(journeys, spend)
    return SimulatedShop(plan, seed, touchpoints, truth, journeys, spend)

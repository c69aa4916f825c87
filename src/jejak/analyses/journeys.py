"""The questions every source of touchpoints answers, whatever engine holds them.

A :class:`JourneyAnalyses` needs only ``touchpoints()``, identity links and a journey;
the DuckDB workspace and a Spark source both inherit it, so each analysis is written
once and runs on either engine.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import ibis
import pandas as pd

from jejak.analyses import stages as stage_analyses
from jejak.analyses.result import Result
from jejak.model.config import Settings
from jejak.model.journey import Journey
from jejak.store import identity


class JourneyAnalyses:
    """Stage analyses over ``touchpoints()`` stitched by ``identity_links()``."""

    settings: Settings

    def touchpoints(self) -> ibis.Table:
        """The touchpoints, with the canonical columns."""
        raise NotImplementedError

    def identity_links(self) -> ibis.Table | None:
        """anonymous_id -> customer_id links from mapping files (None when there are none)."""
        return None

    @property
    def journey(self) -> Journey:
        return self.settings.resolved_journey()

    def events(self) -> ibis.Table:
        """Touchpoints stitched to people: the canonical columns plus ``person_id``."""
        return identity.stitched(self.touchpoints(), self.identity_links())

    def as_of(self) -> datetime | None:
        """Time of the latest touchpoint (the data's "now")."""
        value = self.touchpoints().ts.max().to_pyarrow().as_py()
        return None if value is None else pd.Timestamp(value).tz_localize(None).tz_localize("UTC")

    def stages(
        self, journey: Journey | None = None, *, by: str | None = None
    ) -> stage_analyses.StageFunnel:
        """The stage funnel: people per stage, conversion, time between stages, flows.

        ``by="channel"`` gives one funnel per acquisition (first-touch) channel.
        """
        funnel = stage_analyses.stage_funnel(self.events(), journey or self.journey, by=by)
        funnel.meta["as_of"] = self.as_of()
        return funnel

    def stage_entries(self, journey: Journey | None = None) -> Result:
        """When each person entered each stage they reached (long format)."""
        journey = journey or self.journey
        table = stage_analyses.entries(self.events(), journey)
        return Result(
            title=f"Stage entries ({journey.name})",
            table=_utc(table.order_by(["person_id", "stage_index"]).to_pandas()),
            meta={"journey": journey.name},
        )

    def current_stages(self, journey: Journey | None = None) -> Result:
        """Every person's current (furthest) stage and when they entered it."""
        journey = journey or self.journey
        table = stage_analyses.current_stages(self.events(), journey).order_by("person_id")
        return Result(
            title=f"Current stage ({journey.name})",
            table=_utc(table.to_pandas()),
            meta={"journey": journey.name},
        )

    def stuck(
        self,
        stage: str,
        days: float,
        *,
        as_of: datetime | None = None,
        journey: Journey | None = None,
    ) -> Result:
        """People whose furthest stage is ``stage`` and who entered it over ``days`` days ago.

        ``as_of`` defaults to the latest touchpoint; a time without a zone is read in the
        workspace's time zone, like the times in loaded files.
        """
        if as_of is None:
            as_of = self.as_of()
        elif as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=ZoneInfo(self.settings.timezone))
        result = stage_analyses.stuck(self.events(), journey or self.journey, stage, days, as_of)
        result.table = _utc(result.table)
        return result

    def identity_conflicts(self) -> Result:
        """Anonymous ids claimed by several customers, and which customer got them."""
        table = identity.conflicts(self.touchpoints(), self.identity_links()).to_pandas()
        return Result(title="Identity conflicts", table=table, meta={"count": len(table)})


def _utc(frame: pd.DataFrame) -> pd.DataFrame:
    """Times as UTC-aware, whichever engine produced them (Spark's come without a zone)."""
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]) and frame[column].dt.tz is None:
            frame[column] = frame[column].dt.tz_localize("UTC")
    return frame

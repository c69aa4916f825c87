"""Apache Spark as the engine: the same analyses over a Spark session.

Users whose events live in Spark pass a Spark DataFrame or table name with the
canonical touchpoint columns; jejak wraps it as an Ibis table.
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from functools import cache
from typing import Any

import ibis

from jejak.analyses.journeys import JourneyAnalyses, latest
from jejak.analyses.segments import rule_key
from jejak.errors import ConfigError, EngineError
from jejak.language import gettext
from jejak.model.config import Settings, load_settings
from jejak.model.segment import SegmentRule
from jejak.model.touchpoint import IDENTITY_FIELDS, REQUIRED
from jejak.store import identity


def local_session(app_name: str = "jejak", cores: int = 2) -> Any:
    """A local Spark session in UTC, quiet and offline (for tests, demos, one machine).

    jejak reads times in UTC: Ibis sets ``spark.sql.session.timeZone`` to UTC on any
    session it wraps, your own sessions included.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        said = gettext(
            "Spark is not installed; install jejak with the spark extra: pip install 'jejak[spark]'"
        )
        raise EngineError(said) from None
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(f"local[{cores}]")
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # few shuffle partitions, coalesced further by adaptive execution (on by default
        # since Spark 3.2): on one machine 200 partitions of a small shuffle are 200 tasks
        .config("spark.sql.shuffle.partitions", str(max(2, cores * 2)))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


@cache
def _backend_class() -> type:
    """Ibis's Spark backend, keeping a table (``.cache()``) as its rows, checkpointed.

    Ibis caches a Spark table as a view of its whole query: every later query names it,
    and Spark analyses that query again each time (most of a small query's time, and
    more for each kept table read in it). A checkpoint's view is its rows alone: later
    queries read them without planning what made them. The checkpoint is reliable
    (written to ``spark.checkpoint.dir``) when the session has one, else local (kept by
    the executors, lost with one). Columns get fresh ids, so two kept tables made from
    the same query's columns join like any two tables. (Made on first use: Spark is an
    optional dependency.)
    """

    from ibis.backends.pyspark import Backend as PySparkBackend

    ibis.pyspark  # noqa: B018 - loading it as ibis does registers the backend's options

    class Backend(PySparkBackend):
        def _create_cached_table(self, name: str, expr: ibis.Table) -> ibis.Table:
            frame = self._session.sql(self.compile(expr))
            if _checkpoint_dir(self._session):
                frame = frame.checkpoint(eager=True)
            else:
                frame = frame.localCheckpoint(eager=True)
            frame = frame.toDF(*frame.columns)
            frame.createTempView(name)
            self._cached_dataframes[name] = frame
            return self.table(name)

        def _drop_cached_table(self, name: str) -> None:
            self._session.catalog.dropTempView(name)
            self._cached_dataframes.pop(name)  # its blocks go when Spark collects the frame

    return Backend


def _checkpoint_dir(session: Any) -> str | None:
    """Where the session writes reliable checkpoints (None: nowhere set)."""
    try:
        said = session.conf.get("spark.checkpoint.dir", None)
        return said or session.sparkContext.getCheckpointDir()
    except Exception:  # Spark Connect has no context to ask: local checkpoints
        return None


def _as_table(session: Any, source: Any, name: str) -> ibis.Table:
    """Touchpoints in Spark as an Ibis table.

    ``source`` is a Spark DataFrame, the name of a Spark table, or a pyarrow/pandas
    table (copied into Spark, for tests and small data).
    """
    if isinstance(source, str):
        frame = session.table(source)
    elif hasattr(source, "createOrReplaceTempView"):
        frame = source
    else:
        import pyarrow as pa

        if not isinstance(source, pa.Table):
            source = pa.Table.from_pandas(source, preserve_index=False)
        # from Arrow, so that even an empty table keeps its schema
        frame = session.createDataFrame(source)
    frame.createOrReplaceTempView(name)
    return _backend_class()().connect(session).table(name)


class SparkSource(JourneyAnalyses):
    """Touchpoints that live in Spark, answering the same questions as a workspace.

    ``touchpoints`` and ``identities`` are Spark table names, Spark DataFrames or
    pyarrow/pandas tables with the canonical columns (identities: anonymous_id,
    customer_id). ``ad_spend``: what the ads cost (a small table: day, channel, campaign,
    source, spend, currency; see :mod:`jejak.store.spend`), as a pandas DataFrame.
    """

    def __init__(
        self,
        session: Any,
        touchpoints: Any,
        identities: Any = None,
        settings: Settings | None = None,
        ad_spend: Any = None,
    ) -> None:
        self.session = session
        self._ad_spend = ad_spend
        # frames and in-memory tables hold the same rows for as long as the source lives;
        # a table's name is read anew by every query (its data may change in between)
        named = isinstance(touchpoints, str) or isinstance(identities, str)
        self._version = None if named else uuid.uuid4().hex
        self.settings = settings or Settings()
        # views named per source, so two sources in one session never see each other's data
        suffix = uuid.uuid4().hex[:12]
        self._touchpoints = _as_table(session, touchpoints, f"jejak_touchpoints_{suffix}")
        _require_columns(self._touchpoints, (*REQUIRED, *IDENTITY_FIELDS), "touchpoints")
        self._identities = None
        if identities is not None:
            self._identities = _as_table(session, identities, f"jejak_identities_{suffix}")
            _require_columns(self._identities, IDENTITY_FIELDS, "identities")

    def ad_spend(self) -> Any:
        """The ad spend given to :func:`on_spark` (none given: empty)."""
        if self._ad_spend is None:
            return super().ad_spend()
        spend = self._ad_spend
        if "source" not in spend:  # spend kept before it had a source: none named
            spend = spend.assign(source="")
        return spend[["day", "channel", "campaign", "source", "spend", "currency"]]

    def data_version(self) -> str | None:
        """Fixed while the source lives when it was given frames or in-memory tables
        (None when given a table's name: its data may change between queries)."""
        return self._version

    def segment_members(self, rule: SegmentRule) -> ibis.Table:
        """A segment's people, kept in Spark while the data stays the same: every later
        analysis of the segment (or of a rule built from it) reads them as a plain
        table, not as a query Spark plans again, stitching included, each time. (A rule
        needing models is kept already, as the people its fit found.)"""
        if self.data_version() is None or rule.uses_models():
            return super().segment_members(rule)
        kept = self.__dict__.setdefault("_kept_members", {})
        key = rule_key(rule)
        if key not in kept:
            kept[key] = super().segment_members(rule).cache()
        return kept[key]

    def events(self) -> ibis.Table:
        """Touchpoints stitched to people, stitched once and kept in Spark while the data
        stays the same (see :meth:`data_version`); else stitched by each query."""
        if self.data_version() is None:
            return super().events()
        kept = self.__dict__.get("_kept_events")
        if kept is None:
            kept = self._kept_events = super().events().cache()
        return kept

    def touchpoints(self) -> ibis.Table:
        # not loaded through jejak, so blank ids are made missing here
        return identity.clean_ids(self._touchpoints)

    def as_of(self) -> datetime | None:
        # stitching keeps each touchpoint that has an id once and drops the rest, so the
        # stitched events' latest is this one, without stitching's shuffles
        return latest(identity.with_an_id(self.touchpoints()))

    def people_table(self, people: Any) -> ibis.Table:
        """Person ids from Python as a Spark view (Ibis memtables do not reach every
        Spark plan, e.g. a cached one)."""
        import pyarrow as pa

        ids = pa.array(sorted({str(p) for p in people}), pa.string())
        return _as_table(
            self.session, pa.table({"person_id": ids}), f"jejak_people_{uuid.uuid4().hex[:12]}"
        )

    def identity_links(self) -> ibis.Table | None:
        if self._identities is None:
            return None
        keep = [
            c for c in ("anonymous_id", "customer_id", "load_id") if c in self._identities.columns
        ]
        return identity.clean_ids(self._identities.select(*keep))


def _require_columns(table: ibis.Table, names: tuple[str, ...], what: str) -> None:
    missing = [n for n in names if n not in table.columns]
    if missing:
        said = (
            gettext(
                "Spark touchpoints: missing column(s) {missing} (columns found: {found});"
                " rename them to jejak's touchpoint fields"
            )
            if what == "touchpoints"
            else gettext(
                "Spark identities: missing column(s) {missing} (columns found: {found});"
                " rename them to jejak's touchpoint fields"
            )
        )
        raise ConfigError(said.format(missing=", ".join(missing), found=", ".join(table.columns)))


def on_spark(
    session: Any,
    touchpoints: Any,
    identities: Any = None,
    settings: Settings | str | None = None,
    ad_spend: Any = None,
) -> SparkSource:
    """Analyse touchpoints held by a Spark session (see :class:`SparkSource`)."""
    if isinstance(settings, str):
        settings = load_settings(settings)
    return SparkSource(session, touchpoints, identities, settings, ad_spend)

"""Column batches: what an emitter returns, and how batches become one touchpoint table.

Emitters only say *who* did *what* and *when*; identity columns, event ids, the period cut and
the final sort are applied here once, so every emitter obeys the same identity rules and a new
emitter cannot get them wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from jejak.model.touchpoint import FIELDS
from jejak.simulate.journeys import Journeys

_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "DOUBLE": pa.float64(),
}
SCHEMA = pa.schema([pa.field(f.name, _ARROW_TYPES[f.sql_type]) for f in FIELDS])
"""The canonical touchpoint columns, in order, as the simulator writes them."""

TEXT_COLUMNS = ("event", "channel", "source", "medium", "campaign", "context", "need", "currency")


@dataclass(frozen=True)
class Cat:
    """A string column as integer codes into ``labels`` (-1 = null): cheap to draw and filter."""

    codes: np.ndarray
    labels: tuple[str | None, ...]

    @classmethod
    def choice(cls, rng: np.random.Generator, dist: Mapping[str | None, float], size: int) -> Cat:
        """Draw ``size`` labels with the given probabilities."""
        labels = tuple(dist)
        p = np.array([dist[k] for k in labels], dtype=float)
        codes = rng.choice(len(labels), size=size, p=p / p.sum()) if size else np.zeros(0, int)
        return cls(np.asarray(codes, dtype=np.int32), labels)

    def where(self, mask: np.ndarray, label: str | None) -> Cat:
        """A copy with ``label`` wherever ``mask`` holds."""
        labels = self.labels if label in self.labels else (*self.labels, label)
        codes = np.where(mask, labels.index(label), self.codes).astype(np.int32)
        return Cat(codes, labels)

    def map(self, mapping: Mapping[str | None, str | None]) -> Cat:
        """Relabel (e.g. channel -> source) without touching the codes."""
        return Cat(self.codes, tuple(mapping.get(label) for label in self.labels))

    def is_(self, label: str | None) -> np.ndarray:
        if label not in self.labels:
            return np.zeros(self.codes.shape[0], dtype=bool)
        return self.codes == self.labels.index(label)

    def to_arrow(self) -> pa.Array:
        labels = pa.array(list(self.labels), type=pa.string())
        return labels.take(pa.array(self.codes, mask=self.codes < 0))


Text = str | None | Cat | pa.Array | pa.ChunkedArray
"""A text column of a batch: one value for every row, coded labels, or ready strings."""


@dataclass(frozen=True)
class Batch:
    """Touchpoints from one emitter: parallel columns, one row per touchpoint.

    ``device`` says the touchpoint happens on the person's own device (so it may carry the
    anonymous id after identification); false for things the shop does, like sending email.
    """

    person: np.ndarray
    ts: np.ndarray
    """int64 seconds since the period start; rows at or past the horizon are dropped later."""
    event: Text
    channel: Text = None
    source: Text = None
    medium: Text = None
    campaign: Text = None
    context: Text = None
    need: Text = None
    revenue: np.ndarray | None = None
    """float64, NaN = null."""
    currency: Text = None
    properties: Text = None
    """JSON object text per row."""
    device: bool = True

    def __post_init__(self) -> None:
        n = self.person.shape[0]
        for name in ("ts", "revenue", "properties", *TEXT_COLUMNS):
            column = getattr(self, name)
            size = column.codes.shape[0] if isinstance(column, Cat) else _size(column)
            if size is not None and size != n:
                raise ValueError(f"batch column {name} has {size} rows, expected {n}")

    def __len__(self) -> int:
        return int(self.person.shape[0])


def _size(column: object) -> int | None:
    if isinstance(column, np.ndarray | pa.Array | pa.ChunkedArray):
        return len(column)
    return None


def _coded(column: Text, keep: np.ndarray, size: int) -> tuple[np.ndarray, pa.Array]:
    """One batch column after the period cut as (codes, dictionary); code -1 means null.

    Sorting integer codes and decoding once from a small dictionary is far faster than
    permuting millions of strings.
    """
    if column is None:
        return np.full(size, -1, np.int64), pa.array([], pa.string())
    if isinstance(column, str):
        return np.zeros(size, np.int64), pa.array([column], pa.string())
    if isinstance(column, Cat):
        return column.codes[keep].astype(np.int64), pa.array(list(column.labels), pa.string())
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column.filter(pa.array(keep)).cast(pa.string()))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _concat_codes(pieces: list[tuple[np.ndarray, pa.Array]]) -> tuple[np.ndarray, pa.Array]:
    """Join per-batch (codes, dictionary) pairs into one code space."""
    offsets = np.cumsum([0] + [len(d) for _, d in pieces[:-1]])
    shifted = [np.where(c >= 0, c + o, -1) for (c, _), o in zip(pieces, offsets, strict=True)]
    codes = np.concatenate(shifted)
    dictionary = pa.concat_arrays([d for _, d in pieces])
    return codes.astype(np.int32 if len(dictionary) < 2**31 - 1 else np.int64), dictionary


def _permute(columns: list[np.ndarray], sizes: list[int], order: np.ndarray) -> list[np.ndarray]:
    """Apply ``order`` to several code columns, packing them into few int64 words first.

    A random gather over millions of rows costs the same for one small code as for a word
    of several, so packing the small dictionaries (event, channel, ...) saves most of it.
    """
    bits = [max(1, int(size + 1).bit_length()) for size in sizes]  # +1: a slot for null
    words: list[list[int]] = [[]]
    used = 0
    for i, b in enumerate(bits):
        if used + b > 63 and words[-1]:
            words.append([])
            used = 0
        words[-1].append(i)
        used += b
    out: list[np.ndarray] = [np.empty(0)] * len(columns)
    for members in words:
        packed = np.zeros(order.shape[0], dtype=np.int64)
        shifts: dict[int, int] = {}
        shift = 0
        for i in members:
            packed |= (columns[i].astype(np.int64) + 1) << shift  # null (-1) becomes 0
            shifts[i], shift = shift, shift + bits[i]
        packed = packed[order]
        for i in members:
            out[i] = (((packed >> shifts[i]) & ((1 << bits[i]) - 1)) - 1).astype(columns[i].dtype)
        del packed
    return out


def prefixed_ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded numbers, built in Arrow (no Python loop over rows)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, type=pa.int64()), pa.string()), width, "0")
    return pc.binary_join_element_wise(prefix, digits, "")


def id_width(count: int) -> int:
    """Digits for ids up to ``count``: at least six, like a000123."""
    return max(6, len(str(max(count - 1, 0))))


def assemble(batches: Sequence[Batch], journeys: Journeys, rng: np.random.Generator) -> pa.Table:
    """Cut batches to the period, attach identities, sort by time and number the events."""
    horizon = journeys.horizon
    keeps = [(b.ts >= 0) & (b.ts < horizon) for b in batches]
    parts = [(b, k, int(k.sum())) for b, k in zip(batches, keeps, strict=True)]
    person = np.concatenate([b.person[k] for b, k, _ in parts])
    ts = np.concatenate([b.ts[k] for b, k, _ in parts])
    device = np.concatenate([np.full(n, b.device) for b, _, n in parts])
    # One int64 sort key (time, then person); stable, so ties keep emitter order.
    order = np.argsort(ts * journeys.people + person, kind="stable")
    person, ts, device = person[order], ts[order], device[order]

    names = (*TEXT_COLUMNS, "properties")
    coded = [_concat_codes([_coded(getattr(b, name), k, n) for b, k, n in parts]) for name in names]
    sorted_codes = _permute([codes for codes, _ in coded], [len(d) for _, d in coded], order)
    texts = {
        name: dictionary.take(pa.array(codes, mask=codes < 0))
        for name, codes, (_, dictionary) in zip(names, sorted_codes, coded, strict=True)
    }

    revenue = np.concatenate(
        [b.revenue[k] if b.revenue is not None else np.full(n, np.nan) for b, k, n in parts]
    )[order]

    # Identity: anonymous before identification, customer from it on; the identifying
    # touchpoint carries both (it is the link), later device touchpoints sometimes do too.
    people = journeys.people
    identify = journeys.identify[person]
    known = ts >= identify
    both = rng.random(ts.shape[0]) < journeys.plan.anonymous_after_identify
    anonymous = ~known | (ts == identify) | (device & both)
    width = id_width(people)
    start = int(journeys.plan.start_datetime.timestamp())
    anon_ids = prefixed_ids("a", np.arange(people), width)
    cust_ids = prefixed_ids("c", journeys.customer_number, width)

    columns = {
        "event_id": prefixed_ids("sim-", np.arange(ts.shape[0]), id_width(ts.shape[0])),
        "customer_id": cust_ids.take(pa.array(person, mask=~known)),
        "anonymous_id": anon_ids.take(pa.array(person, mask=~anonymous)),
        "ts": pa.array((start + ts) * 1_000_000, type=pa.int64()).cast(SCHEMA.field("ts").type),
        **texts,
        "revenue": pa.array(revenue, mask=np.isnan(revenue), type=pa.float64()),
    }
    return pa.Table.from_arrays([columns[f.name] for f in SCHEMA], schema=SCHEMA)

"""Request rate limits: a token bucket per key (and, for the public write key, per key
and client address), answered with 429 and Retry-After.

A bucket holds up to ``requests`` tokens and refills at ``requests`` per ``seconds``: a
client may send a burst of the whole allowance, then the steady rate. Buckets live in
memory (one server process) and are checked in constant time; those full again are
dropped now and then, so a site's many visitors leave nothing behind. (The ``limits``
library's memory storage sweeps every key on a timer thread 100 times a second while
requests come, which costs a collector with one bucket per visitor more than it saves.)
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from jejak.errors import JejakError
from jejak.language import gettext

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
NOTATION = re.compile(r"\s*(\d+)\s*(?:/|per)\s*(second|minute|hour|day)s?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """``requests`` per ``seconds`` (also the largest burst)."""

    requests: int
    seconds: int

    @classmethod
    def parse(cls, text: str, option: str = "rate") -> Rate | None:
        """``600/minute`` (or ``10/second``, ``1000 per hour``, ``/day``); ``none``: no limit.
        ``option`` names where the text came from, for the error (``--read-rate``)."""
        if text.strip().lower() in ("none", "off"):
            return None
        found = NOTATION.fullmatch(text)
        if found is None or int(found[1]) < 1:
            said = gettext(
                "{option} {text}: requests per period, like 600/minute (periods: second,"
                " minute, hour, day), or none for no limit"
            )
            raise JejakError(said.format(option=option, text=repr(text)))
        return cls(int(found[1]), PERIODS[found[2].lower()])

    def __str__(self) -> str:
        for name, seconds in PERIODS.items():
            if seconds == self.seconds:
                return f"{self.requests}/{name}"
        return f"{self.requests} per {self.seconds} seconds"


class Limiter:
    """Token buckets by client, all at one :class:`Rate`."""

    def __init__(self, rate: Rate, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(rate.requests)
        self.per_second = rate.requests / rate.seconds
        self.refill_seconds = rate.seconds  # an idle bucket is full again after this
        self.clock = clock
        self.buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self.lock = threading.Lock()
        self.sweep_at = 1024  # buckets held when full ones are next dropped

    def take(self, client: str) -> float:
        """Take a token for ``client``: 0 when it had one, else the seconds until it has."""
        now = self.clock()
        with self.lock:
            tokens, when = self.buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - when) * self.per_second)
            if tokens >= 1:
                self.buckets[client] = (tokens - 1, now)
                if len(self.buckets) >= self.sweep_at:
                    self._sweep(now)
                return 0.0
            self.buckets[client] = (tokens, now)
            return (1 - tokens) / self.per_second

    def _sweep(self, now: float) -> None:
        """Drop the buckets that are full again (as good as new); amortised: the next
        sweep waits until the buckets held have doubled."""
        idle = now - self.refill_seconds
        self.buckets = {c: b for c, b in self.buckets.items() if b[1] > idle}
        self.sweep_at = max(1024, 2 * len(self.buckets))


def retry_after(seconds: float) -> str:
    """A Retry-After header's value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))

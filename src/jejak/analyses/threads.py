"""One native thread for a model's numerical work (BLAS, OpenMP).

On two cores shared with DuckDB and the server, the thread pools of OpenBLAS and of
scikit-learn's OpenMP code spin while they wait for a core: a fit took two to ten times as
long as it does on one thread, with the same answer. The limit is process-wide, so fits
take turns (a lock) rather than changing it under each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from threading import Lock

_ONE_THREAD = Lock()


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block's BLAS and OpenMP work on one thread, one model at a time."""
    # imported here, when a model runs, so that importing jejak stays quick
    from threadpoolctl import threadpool_limits

    with _ONE_THREAD, threadpool_limits(1):
        yield

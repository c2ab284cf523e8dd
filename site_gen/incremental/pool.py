"""The worker processes that parsing and rendering spread their bulk work over.

Workers are forked, so they inherit what the caller has loaded (validators, the catalog, the
memo) and only the jobs and their results cross between processes. Where processes cannot be
forked, or there are too few jobs to pay for starting them, the work runs in this process.
"""

from __future__ import annotations

import os
from typing import Callable, Iterator, Sequence, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

_MAX_WORKERS = 8
# What the workers run: set before they are forked, so it is inherited rather than pickled.
_task: Callable | None = None


def worker_count() -> int:
    import multiprocessing  # ~10 ms to import: only when there is bulk work

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return min(os.cpu_count() or 1, _MAX_WORKERS)


def run_batches(task: Callable[[Sequence[Job]], Result], jobs: Sequence[Job], threshold: int, batch_size: int | None = None) -> Iterator[Result]:
    """`task(batch)` for consecutive batches of `jobs`, in order: in forked workers when there are
    at least `threshold` jobs and two cores, else here, as one batch. Batches are `batch_size`
    jobs long, or as many as give each worker one."""
    workers = worker_count() if len(jobs) >= threshold else 1
    if workers < 2:
        if jobs:
            yield task(jobs)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # 30 ms to import: only when it is used

    size = batch_size or -(-len(jobs) // workers)
    batches = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    global _task
    _task = task
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            yield from pool.map(_run_task, batches)
    finally:
        _task = None


def _run_task(batch):
    return _task(batch)

"""The one parallel path of kpisim: run independent tasks serially or on Dask.

Everything in kpisim that runs many independent simulations (``sweep``, the
backtest's series, ``compare`` and ``sensitivity``) maps a pure function over
a list of task arguments through :func:`map_tasks`. Results come back in the
order of the tasks, whatever order the workers finish in, and a task's random
numbers come only from its own arguments (a ``SeedSequence`` it carries), so
the result is bitwise identical serially, on one worker or on a cluster.

* ``client=None`` runs the tasks one after another in this process.
* ``client`` = a ``dask.distributed.Client`` submits one Dask task per item
  (``retries`` re-runs a task whose worker died; a re-run gives the same
  result because the task is pure) and streams results back as they finish.
* ``n_jobs > 1`` without a client starts a temporary ``LocalCluster`` of
  ``n_jobs`` single-threaded worker processes (needs the ``distributed``
  extra; without it the tasks run serially and a warning says how to install).

Only the tasks' reduced outputs travel back to the caller: tasks must return
small objects (tables of counts and probabilities), never simulated paths.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from kpisim._validation import KpisimError, KpisimWarning

__all__ = ["INSTALL_HINT", "dask_available", "local_client", "map_tasks"]

INSTALL_HINT = "pip install 'kpisim[distributed]'"


def dask_available() -> bool:
    """True when ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@contextlib.contextmanager
def local_client(n_workers: int) -> Iterator[Any]:
    """A temporary ``LocalCluster`` with ``n_workers`` single-threaded processes.

    Each worker process runs one task at a time with one BLAS thread, so
    ``n_workers`` workers use ``n_workers`` cores.
    """
    from distributed import Client, LocalCluster

    env = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                            "KPISIM_THREADS")}  # one thread per worker: the workers share the cores
    with LocalCluster(
        n_workers=int(n_workers),
        threads_per_worker=1,
        processes=True,
        # No dashboard, and the scheduler's HTTP server on a free port: its
        # default, 8787, is taken whenever two clusters start at once (two
        # test workers, two notebooks) and the warning it raises then fails
        # a run that treats warnings as errors.
        dashboard_address=":0",
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.ERROR,
        env=env,
    ) as cluster, Client(cluster) as client:
        yield client


def map_tasks(
    fn: Callable[..., Any],
    tasks: Sequence[tuple],
    *,
    client: Any = None,
    n_jobs: int = 1,
    retries: int = 2,
    progress: Callable[[int, int], None] | None = None,
    label: str = "kpisim",
    shared: Sequence[int] = (),
) -> list[Any]:
    """``[fn(*t) for t in tasks]``, serially or on Dask, in task order.

    Parameters
    ----------
    fn : callable
        A pure, picklable (module-level) function.
    tasks : sequence of tuple
        Positional arguments of each call.
    client : dask.distributed.Client, optional
        Run on this cluster.
    n_jobs : int, default 1
        Without a client: ``1`` runs serially; more starts a temporary local
        cluster of that many worker processes.
    retries : int, default 2
        Dask re-runs of a task whose worker failed.
    progress : callable, optional
        Called as ``progress(done, total)`` after each finished task.
    label : str
        Prefix of the Dask task keys (shown on the Dask dashboard).
    shared : sequence of int
        Positions of arguments that many tasks share (a catalog): on Dask each
        distinct object is sent to every worker once (``scatter``), not with
        every task.
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        msg = f"`n_jobs` must be a positive integer; got {n_jobs!r}"
        raise KpisimError(msg)
    total = len(tasks)
    if client is None and n_jobs > 1 and total > 1:
        if dask_available():
            with local_client(min(n_jobs, total)) as local:
                return _on_dask(fn, tasks, local, retries, progress, label, shared)
        warnings.warn(
            f"n_jobs={n_jobs} needs dask.distributed; running serially ({INSTALL_HINT})",
            KpisimWarning,
            stacklevel=2,
        )
    if client is not None:
        return _on_dask(fn, tasks, client, retries, progress, label, shared)
    out = []
    for i, t in enumerate(tasks):
        out.append(fn(*t))
        if progress is not None:
            progress(i + 1, total)
    return out


def _on_dask(
    fn: Callable[..., Any],
    tasks: Sequence[tuple],
    client: Any,
    retries: int,
    progress: Callable[[int, int], None] | None,
    label: str,
    shared: Sequence[int] = (),
) -> list[Any]:
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]
    if shared:  # one copy of each shared object per worker, not one per task
        sent: dict[int, Any] = {}
        for t in tasks:
            for i in shared:
                if id(t[i]) not in sent:
                    sent[id(t[i])] = client.scatter(t[i], broadcast=True, hash=False)
        tasks = [tuple(sent[id(a)] if i in shared else a for i, a in enumerate(t))
                 for t in tasks]
    futures = [
        client.submit(fn, *t, key=f"{label}-{run}-{i}", pure=False, retries=retries)
        for i, t in enumerate(tasks)
    ]
    index = {f.key: i for i, f in enumerate(futures)}
    out: list[Any] = [None] * len(futures)
    try:
        for done, fut in enumerate(as_completed(futures), start=1):
            out[index[fut.key]] = fut.result()
            fut.release()
            if progress is not None:
                progress(done, len(futures))
    finally:
        for fut in futures:
            fut.release()
    return out


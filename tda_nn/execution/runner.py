"""Run independent units of work locally (joblib) or on a Dask distributed cluster.

A unit is any picklable object; the work is a picklable callable ``fn(unit) -> result`` that is a pure
function of its inputs (it reads what it needs from a store that every worker can reach and writes its
own result atomically). The runner only schedules: it never holds more than the results it returns.

- ``scheduler=None`` and ``n_jobs == 1``: in this process, one unit after another.
- ``scheduler=None`` and ``n_jobs != 1``: joblib processes (``n_jobs=-1``: all cores).
- ``scheduler="tcp://host:8786"`` (or a ``distributed.Client`` / ``LocalCluster``): Dask distributed;
  ``n_jobs`` is ignored, the cluster decides. Results are gathered as they complete. A worker that
  dies is replaced by the others (Dask reruns its units; each unit writes its result atomically,
  so nothing is lost or counted twice); a lost scheduler, or a unit that kills every worker that
  runs it, raises :class:`~tda_nn.errors.ExecutionError` (one line).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError
from dataclasses import dataclass
from numbers import Integral
from typing import Any

from tda_nn.errors import ExecutionError, InputError, TdaNnError


@dataclass
class RunSummary:
    """What a run did: how many units, on which engine, and how long it took.

    Parameters
    ----------
    n_units : int
        Units run.
    engine : {"serial", "joblib", "dask"}
        Where they ran.
    seconds : float
        Wall time of the run.
    n_workers : int
        Processes (joblib) or Dask workers used; 1 in-process.
    """

    n_units: int
    engine: str
    seconds: float
    n_workers: int


def run_units(
    fn: Callable[[Any], Any],
    units: Sequence[Any],
    *,
    n_jobs: int | None = 1,
    scheduler: Any = None,
    progress: bool = True,
    desc: str = "units",
    connect_timeout: float = 20.0,
) -> tuple[list[Any], RunSummary]:
    """Apply ``fn`` to every unit and return the results in the order of ``units``.

    Parameters
    ----------
    fn : callable
        ``fn(unit) -> result``; picklable (a module-level function or a ``functools.partial`` of one).
    units : sequence, length n_units
        The units of work (picklable).
    n_jobs : int or None
        Local processes for joblib (``None`` or 1: in-process; -1: all cores, -2: all but one).
    scheduler : str, distributed.Client, distributed.LocalCluster or None
        A Dask scheduler address or client; ``None`` runs locally.
    progress : bool
        Show a progress bar (tqdm) on a terminal.
    desc : str
        Label of the progress bar.
    connect_timeout : float
        Seconds to wait for a Dask scheduler given by address.

    Returns
    -------
    results : list, length n_units
    summary : RunSummary
    """
    start = time.perf_counter()
    units = list(units)
    if scheduler is not None:
        results, n_workers = _run_dask(fn, units, scheduler, progress, desc, connect_timeout)
        engine = "dask"
    else:
        n_jobs = _check_n_jobs(n_jobs)
        if n_jobs == 1 or len(units) <= 1:
            results = [fn(u) for u in _progress(units, progress, desc, len(units))]
            engine, n_workers = "serial", 1
        else:
            results, n_workers = _run_joblib(fn, units, n_jobs, progress, desc)
            engine = "joblib"
    return results, RunSummary(len(units), engine, time.perf_counter() - start, n_workers)


def _check_n_jobs(n_jobs: int | None) -> int:
    if n_jobs is None:
        return 1
    if not isinstance(n_jobs, Integral) or isinstance(n_jobs, bool) or n_jobs == 0:
        raise InputError(f"n_jobs must be a nonzero integer (-1: all cores, -2: all but one), "
                         f"got {n_jobs!r}")
    if n_jobs < 0:
        import joblib

        return int(joblib.effective_n_jobs(int(n_jobs)))
    return int(n_jobs)


def _progress(items: Any, enabled: bool, desc: str, total: int) -> Iterator[Any]:
    from tqdm.auto import tqdm

    yield from tqdm(items, desc=desc, total=total, disable=not enabled or None, leave=False)


def _run_joblib(
    fn: Callable[[Any], Any], units: list[Any], n_jobs: int, progress: bool, desc: str
) -> tuple[list[Any], int]:
    import joblib

    n_workers = joblib.effective_n_jobs(n_jobs)
    parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
    gen = parallel(joblib.delayed(fn)(u) for u in units)
    return list(_progress(gen, progress, desc, len(units))), n_workers


def _run_dask(
    fn: Callable[[Any], Any],
    units: list[Any],
    scheduler: Any,
    progress: bool,
    desc: str,
    connect_timeout: float,
) -> tuple[list[Any], int]:
    with _quiet_distributed():
        return _run_dask_quietly(fn, units, scheduler, progress, desc, connect_timeout)


@contextlib.contextmanager
def _quiet_distributed() -> Iterator[None]:
    """Keep distributed's client-side logging (tracebacks of reconnect attempts after a lost
    scheduler) off the terminal: what went wrong is raised as one line instead."""
    import logging

    import distributed  # noqa: F401 - creates its loggers (and applies its logging config)

    names = ["distributed", *(n for n in logging.root.manager.loggerDict
                              if n.startswith("distributed."))]
    loggers = [logging.getLogger(n) for n in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _run_dask_quietly(
    fn: Callable[[Any], Any],
    units: list[Any],
    scheduler: Any,
    progress: bool,
    desc: str,
    connect_timeout: float,
) -> tuple[list[Any], int]:
    from distributed import KilledWorker, as_completed

    client, own_client = _connect(scheduler, connect_timeout)
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        futures = client.map(fn, units, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        results: list[Any] = [None] * len(units)
        done = as_completed(futures, loop=client.loop)
        for future in _progress(done, progress, desc, len(units)):
            results[index[future.key]] = future.result()
        return results, n_workers
    except TdaNnError:
        raise  # a unit's own one-line error (StoreError is also an OSError)
    except KilledWorker as exc:
        raise ExecutionError(
            f"Dask scheduler {scheduler_address(client)}: a unit killed every worker that ran it "
            f"({_first_line(exc)}); out of memory?"
        ) from None
    except (CancelledError, OSError, TimeoutError) as exc:
        raise ExecutionError(
            f"lost the Dask scheduler {scheduler_address(client)} ({type(exc).__name__}: "
            f"{_first_line(exc)})"
        ) from None
    finally:
        if own_client:
            with contextlib.suppress(Exception):
                client.close(timeout=5)


def _connect(scheduler: Any, connect_timeout: float = 20.0) -> tuple[Any, bool]:
    """``(client, owned)``: the client of ``scheduler`` (an address, a client or a cluster);
    ``owned`` when this call opened it (the caller closes it)."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout=f"{connect_timeout}s", set_as_default=False), True
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(f"cannot reach Dask scheduler {scheduler!r}: {exc}") from exc


@contextlib.contextmanager
def connected(scheduler: Any, connect_timeout: float = 20.0) -> Iterator[Any]:
    """One client for many :func:`run_units` calls: yields ``None`` for ``scheduler=None``,
    else a ``distributed.Client`` on it (closed on exit when this opened it).

    Parameters
    ----------
    scheduler : str, distributed.Client, distributed.LocalCluster or None
        A Dask scheduler address, a client or a cluster.
    connect_timeout : float
        Seconds to wait for a scheduler given by address; an unreachable one is an
        :class:`~tda_nn.errors.InputError`.
    """
    if scheduler is None:
        yield None
        return
    with _quiet_distributed():
        client, own = _connect(scheduler, connect_timeout)
    try:
        yield client
    finally:
        if own:
            with contextlib.suppress(Exception):
                client.close(timeout=5)


def scheduler_address(client: Any) -> str:
    """The address of a client's scheduler (for messages); ``"?"`` when it has none.

    Parameters
    ----------
    client : distributed.Client
    """
    try:
        return str(client.scheduler.address)
    except Exception:  # noqa: BLE001 - only for the message
        return "?"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]

"""An ordered map over tasks on a Dask cluster: the passes of out-of-core computations.

:func:`map_ordered` submits ``fn(task)`` for every task to a Dask distributed scheduler and yields
the results in the order of the tasks, one at a time, so the caller reduces them in a fixed order
(and gets results identical to ``map(fn, tasks)`` in this process).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from tda_nn.errors import ExecutionError, TdaNnError
from tda_nn.execution.runner import _connect


def map_ordered(fn: Callable[[Any], Any], tasks: Iterable[Any], *, scheduler: Any) -> Iterator[Any]:
    """``fn(task)`` for every task on the Dask cluster ``scheduler``, yielded in task order.

    Parameters
    ----------
    fn : picklable callable
        ``fn(task) -> result``, a pure function of its task.
    tasks : iterable of picklable objects
        The tasks, in the order their results are yielded.
    scheduler : str, distributed.Client or distributed.LocalCluster
        A scheduler address, a client, or a cluster (a client is opened on it).
    """
    from distributed import KilledWorker

    client, own = _connect(scheduler)
    try:
        futures = client.map(fn, list(tasks), pure=False)
        for future in futures:
            yield future.result()
            future.release()
    except TdaNnError:
        raise
    except KilledWorker as exc:
        raise ExecutionError(f"a block killed every Dask worker that read it ({exc}); "
                             "out of memory? lower block_bytes") from None
    except OSError as exc:
        raise ExecutionError(f"lost the Dask scheduler ({type(exc).__name__}: {exc})") from None
    finally:
        if own:
            with contextlib.suppress(Exception):
                client.close(timeout=5)

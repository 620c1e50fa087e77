"""The runner gives the same results, in order, serially, with joblib and on a Dask LocalCluster."""

from __future__ import annotations

import functools

import pytest

from tda_nn.errors import InputError
from tda_nn.execution import run_units

SQUARE = functools.partial(pow, exp=2)


def test_serial_and_joblib_agree_in_order():
    units = list(range(7))
    serial, s1 = run_units(SQUARE, units, n_jobs=1, progress=False)
    par, s2 = run_units(SQUARE, units, n_jobs=2, progress=False)
    assert serial == par == [u * u for u in units]
    assert (s1.engine, s2.engine) == ("serial", "joblib")
    assert s2.n_workers == 2 and s2.n_units == 7


@pytest.mark.parametrize("bad", [0, 1.5, True, "2"])
def test_bad_n_jobs_names_parameter(bad):
    with pytest.raises(InputError, match="n_jobs"):
        run_units(SQUARE, [1, 2], n_jobs=bad, progress=False)


def test_negative_n_jobs_counts_back_from_all_cores_as_in_joblib():
    import joblib

    results, summary = run_units(SQUARE, [1, 2, 3], n_jobs=-2, progress=False)
    assert results == [1, 4, 9]
    assert summary.n_workers == max(1, joblib.cpu_count() - 1) or summary.engine == "serial"


def test_unreachable_scheduler_is_a_one_line_error():
    with pytest.raises(InputError, match="cannot reach Dask scheduler") as info:
        run_units(
            SQUARE, [1], scheduler="tcp://127.0.0.1:9", progress=False, connect_timeout=2
        )
    assert "\n" not in str(info.value)


def test_dask_local_cluster_matches_serial():
    import distributed
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        results, summary = run_units(SQUARE, list(range(10)), scheduler=client, progress=False)
        by_address, _ = run_units(SQUARE, [3, 4], scheduler=cluster.scheduler_address, progress=False)
    assert results == [u * u for u in range(10)]
    assert by_address == [9, 16]
    assert summary.engine == "dask" and summary.n_workers == 2

"""kpisim.sweep, compare, sensitivity and the backtest on a two-worker Dask LocalCluster.

Needs ``kpisim[distributed]`` (CI installs it); without it the module is skipped.
"""

from __future__ import annotations

import os
import threading
import time

import pandas as pd
import pytest

import kpisim
from kpisim import Scenario
from kpisim._parallel import map_tasks
from kpisim.sweeps import sweep
from tests.sweep_grid import CUT, N, grid_catalogs, serial_table

distributed = pytest.importorskip("distributed", reason="needs kpisim[distributed]")

@pytest.fixture(scope="module")
def catalogs():
    return grid_catalogs()


@pytest.fixture(scope="module")
def serial(catalogs):
    return serial_table(catalogs)



@pytest.fixture(scope="module")
def cluster():
    from kpisim._parallel import local_client

    with local_client(2) as client:
        yield client


def test_two_dask_workers_give_the_serial_table_bit_for_bit(cluster, catalogs, serial):
    on_dask = sweep(catalogs, [None, CUT], ["reference", "declared"], n_paths=N, rng=11,
                    client=cluster)
    pd.testing.assert_frame_equal(on_dask, serial, check_exact=True)


def _slow_square(x: int) -> int:
    time.sleep(0.4)
    return x * x


def test_a_worker_killed_mid_run_is_retried_without_changing_the_result(cluster):
    workers = list(cluster.scheduler_info()["workers"])
    victim = workers[0]

    def kill_soon():
        time.sleep(0.6)
        try:
            cluster.run(os._exit, 1, workers=[victim])
        except Exception:  # the killed worker never answers
            pass

    killer = threading.Thread(target=kill_soon)
    killer.start()
    out = map_tasks(_slow_square, [(k,) for k in range(12)], client=cluster, retries=3)
    killer.join()
    assert out == [k * k for k in range(12)]
    cluster.wait_for_workers(2, timeout=60)
    assert victim not in cluster.scheduler_info()["workers"], "the worker was not killed"


def test_compare_and_sensitivity_on_dask_equal_their_serial_runs(cluster, catalogs):
    cat = catalogs["nipa"]
    scen = [Scenario(name="base", changes=()), CUT]
    serial = kpisim.compare(scen, cat, year=2030, rng=5, n_paths=N)
    on_dask = kpisim.compare(scen, cat, year=2030, rng=5, n_paths=N, client=cluster)
    pd.testing.assert_frame_equal(serial, on_dask, check_exact=True)
    a = kpisim.sensitivity(cat, "ai_firms", 2030, rng=5, n_paths=N)
    b = kpisim.sensitivity(cat, "ai_firms", 2030, rng=5, n_paths=N, client=cluster)
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_cluster_starts_while_the_default_dashboard_port_is_taken():
    """Two clusters at once (two test workers, two notebooks) must not collide.

    The scheduler's HTTP server defaults to port 8787; when that port is taken,
    distributed warns and, under ``-W error``, fails to start. Here the port is
    held by a plain socket while a cluster starts with every warning an error.
    """
    import socket
    import warnings

    from kpisim._parallel import local_client

    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        try:
            holder.bind(("0.0.0.0", 8787))
            holder.listen(1)
        except OSError:
            pass  # already taken by someone else: the condition under test holds anyway
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with local_client(1) as client:
                assert client.submit(pow, 3, 2).result(timeout=60) == 9
    finally:
        holder.close()

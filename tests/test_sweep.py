"""kpisim.sweep: serial and Dask runs give the same table, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kpisim
from kpisim._parallel import map_tasks
from kpisim.sweeps import SWEEP_COLUMNS, sweep
from tests.sweep_grid import CUT, N, grid_catalogs, serial_table


@pytest.fixture(scope="module")
def catalogs():
    return grid_catalogs()


@pytest.fixture(scope="module")
def serial(catalogs):
    return serial_table(catalogs)


def test_cell_equals_its_own_simulate_call(catalogs, serial):
    for label, cat in catalogs.items():
        for scen in (None, CUT):
            sim = kpisim.simulate(cat, scenario=scen, prior="declared", rng=11, n_paths=N)
            p = sim.prob_meet()
            p = p[~p.observed].reset_index(drop=True)
            name = scen.name if scen else "baseline"
            cell = serial[
                (serial.catalog == label) & (serial.scenario == name)
                & (serial.prior == "declared")
            ].reset_index(drop=True)
            np.testing.assert_array_equal(cell["prob"].to_numpy(), p["prob"].to_numpy())
            assert list(cell["id"]) == list(p["id"])


def test_table_shape_and_grid_order(serial):
    assert tuple(serial.columns) == SWEEP_COLUMNS
    cells = serial[["catalog", "scenario", "prior"]].drop_duplicates()
    assert [tuple(r) for r in cells.itertuples(index=False)] == [
        (c, s, p) for c in ("nipa", "regional") for s in ("baseline", "cut")
        for p in ("reference", "declared")
    ]
    assert serial["prob"].between(0, 1).all()


def test_cells_do_not_depend_on_the_rest_of_the_grid(catalogs, serial):
    alone = sweep({"regional": catalogs["regional"]}, [CUT], ["declared"], n_paths=N, rng=11)
    part = serial.query("catalog == 'regional' and scenario == 'cut' and prior == 'declared'")
    pd.testing.assert_frame_equal(alone.reset_index(drop=True), part.reset_index(drop=True))


def test_a_scenario_lowering_growth_lowers_every_probability(serial):
    base = serial.query("scenario == 'baseline'").prob.to_numpy()
    cut = serial.query("scenario == 'cut'").prob.to_numpy()
    assert (cut <= base + 1e-12).all()
    assert (cut < base).any()


def test_fresh_entropy_is_reported_and_repeats_the_run(catalogs):
    a = sweep(catalogs["nipa"], n_paths=N, rng=None, years=[2027])
    seed = np.random.SeedSequence(a.attrs["entropy"])
    b = sweep(catalogs["nipa"], n_paths=N, rng=seed, years=[2027])
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"catalogs": []}, "empty"),
        ({"scenarios": [CUT, CUT]}, "distinct"),
        ({"priors": [kpisim.models.reference_prior("log")]}, "labels"),
        ({"keep_paths": 10}, "keep_paths"),
        ({"n_jobs": 0}, "n_jobs"),
        ({"priors": ["nonsense"]}, "prior"),
    ],
)
def test_bad_arguments_are_refused_with_a_clear_error(catalogs, kwargs, match):
    args = {"catalogs": catalogs["nipa"], "n_paths": 100, "rng": 1, **kwargs}
    with pytest.raises(kpisim.KpisimError, match=match):
        sweep(**args)


def test_map_tasks_keeps_task_order_serially():
    assert map_tasks(pow, [(2, k) for k in range(5)]) == [1, 2, 4, 8, 16]


def test_cli_sweep_prints_one_column_per_cell_and_a_tidy_csv(capsys):
    from kpisim.cli import main

    args = ["sweep", "--catalog", "regional_digital", "--prior", "reference", "--prior",
            "none", "--paths", "500", "--seed", "3", "--year", "2027"]
    assert main([*args, "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert "baseline · reference" in out
    assert "baseline · none" in out
    assert "2 cells" in err
    assert main([*args, "--format", "csv", "--quiet"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    head = out.splitlines()[0].split(",")
    assert head == list(SWEEP_COLUMNS)


def test_cli_sweep_bad_scenario_file_is_exit_2(tmp_path, capsys):
    from kpisim.cli import main

    bad = tmp_path / "s.yaml"
    bad.write_text("name: x\nchanges: 5\n", encoding="utf-8")
    assert main(["sweep", "--scenario", str(bad), "--paths", "100"]) == 2
    assert "s.yaml" in capsys.readouterr().err

"""What keeps the main job fast without changing its numbers.

Lazy imports: ``import kpisim`` loads neither pandas, scipy.stats,
matplotlib nor numba (the engine's compiled loops, loaded when a simulation
runs), yet every documented public name is there.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import kpisim


def _fresh(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (the point: what it loads)."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    return out.stdout.strip()


def test_import_kpisim_is_light():
    assert _fresh("import sys, kpisim; heavy = [m for m in ('pandas', 'scipy.stats', "
                  "'matplotlib', 'scipy.optimize', 'numba') if m in sys.modules]; "
                  "print(','.join(heavy))") == ""


def test_loading_a_catalog_and_auditing_it_does_not_load_numba():
    # only a simulation needs the compiled loops (numba's import is half a second)
    assert _fresh("import sys, kpisim; cat = kpisim.load_catalog(); kpisim.audit(cat); "
                  "print('numba' in sys.modules)") == "False"


def test_every_public_name_resolves():
    for name in kpisim.__all__:
        assert getattr(kpisim, name) is not None, name
    assert set(kpisim.__all__) <= set(dir(kpisim))
    with pytest.raises(AttributeError, match="no_such_name"):
        kpisim.no_such_name  # noqa: B018


def test_functions_named_like_their_modules_stay_functions():
    import kpisim.reporting
    import kpisim.rules.audit
    import kpisim.simulation  # (sets the package attribute)

    for name in ("simulate", "report", "audit"):
        assert getattr(kpisim, name).__name__ == name
    # no module hides behind a function of its name: each has a module of its own
    assert kpisim.simulation.simulate is kpisim.simulate
    assert kpisim.reporting.report is kpisim.report
    assert kpisim.rules.audit.audit is kpisim.audit
    for gone in ("kpisim.simulate", "kpisim.report", "kpisim.audit"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(gone)
    from kpisim import goals, plot

    assert goals.__name__ == "kpisim.goals"
    assert plot.__name__ == "kpisim.plot"


# ------------------------------------------------------------- engine threads
def _fingerprint(sim):

    parts = [sim.prob_meet(), sim.prob_path(), sim.first_hit(), sim.shortfall(2027)]
    paths = [sim.paths(i).to_numpy() for i in sim.ids + sim.grade_ids]
    return parts, paths


def _assert_same(a, b):
    import numpy as np
    import pandas as pd

    for x, y in zip(a[0], b[0], strict=True):
        pd.testing.assert_frame_equal(x, y, check_exact=True)
    for x, y in zip(a[1], b[1], strict=True):
        np.testing.assert_array_equal(x, y)


def test_threads_do_not_change_a_single_number():
    # numeric indicators, a grade chain and path-dependent rule targets, with
    # a cut last block: each indicator's blocks are counted in order on one thread
    cat = kpisim.load_catalog()
    one = kpisim.simulate(cat, n_paths=9_000, rng=4, threads=1)
    three = kpisim.simulate(cat, n_paths=9_000, rng=4, threads=3)
    _assert_same(_fingerprint(one), _fingerprint(three))
    assert one.grade_ids
    assert any(
        getattr(cat[i].rule, "path_dependent", False) for i in one.ids)


def test_threads_argument_is_checked():
    from kpisim._validation import SimulationError

    for bad in (0, -1, 1.5, True, "2"):
        with pytest.raises(SimulationError, match="`threads` must be a positive integer"):
            kpisim.simulate(kpisim.load_catalog().headline(), n_paths=10, threads=bad)


def test_a_warning_on_a_worker_thread_reaches_the_caller():
    # pytest turns warnings into errors: a worker's warning must surface as
    # that error in the caller, not vanish with its thread
    import dataclasses

    from kpisim import Indicator
    from kpisim._validation import KpisimWarning

    cat = kpisim.load_catalog()
    wild = dataclasses.replace(cat["ai_firms"], id="wild_growth")
    huge = kpisim.models.RefGrowth(drift_break=400.0)  # paths beyond ±50 log units
    assert isinstance(wild, Indicator)
    with pytest.warns(KpisimWarning, match="clipped"):
        kpisim.simulate([wild, cat["ict_sw_exports"]], model=huge, n_paths=4096, rng=1,
                        threads=2)


def test_simulation_seed_repeats_the_run():
    import numpy as np

    ss = np.random.SeedSequence(99, spawn_key=(3, 1))
    ind = kpisim.load_catalog()["ai_firms"]
    a = kpisim.simulate(ind, n_paths=4096, rng=ss)
    b = kpisim.simulate(ind, n_paths=4096, rng=a.seed)
    assert tuple(a.seed.spawn_key) == (3, 1)
    _assert_same(_fingerprint(a), _fingerprint(b))


def test_prior_ranges_reuse_the_run_only_where_it_is_the_same_simulation(monkeypatch):
    # the default prior's what-if is the run's own number: reusing it must give
    # exactly what simulating it again gives, and a scenario run reuses nothing
    from kpisim import goals
    from kpisim.goals import _whatif

    cat = kpisim.load_catalog().headline()
    sim = kpisim.simulate(cat, n_paths=8192, rng=12)
    goals.clear_cache()
    reused = goals.prob_range(sim)
    goals.clear_cache()
    calls = []
    monkeypatch.setattr(goals.evidence, "reuse_run", lambda *a, **k: calls.append(a))
    again = goals.prob_range(sim)
    assert calls
    import pandas as pd

    pd.testing.assert_frame_equal(reused, again, check_exact=True)
    monkeypatch.undo()
    goals.clear_cache()
    wide = kpisim.models.RefGrowth(sigma_max=0.3)  # another model: nothing to reuse
    other = kpisim.simulate(cat, model=wide, n_paths=8192, rng=12)
    _whatif.reuse_run(other, cat["ai_firms"], [2030], n_paths=8192, seed=other.seed,
                     until=2030)
    assert not _whatif.PROB_CACHE

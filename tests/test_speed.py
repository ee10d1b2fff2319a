"""What keeps the main job fast without changing its numbers.

Lazy imports: ``import kpisim`` loads neither pandas, scipy.stats nor
matplotlib, yet every documented public name is there.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import kpisim


def test_import_kpisim_is_light():
    # a fresh interpreter is the point: what does `import kpisim` load?
    code = ("import sys, kpisim; heavy = [m for m in ('pandas', 'scipy.stats', 'matplotlib', "
            "'scipy.optimize') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == ""


def test_every_public_name_resolves():
    for name in kpisim.__all__:
        assert getattr(kpisim, name) is not None, name
    assert set(kpisim.__all__) <= set(dir(kpisim))
    with pytest.raises(AttributeError, match="no_such_name"):
        kpisim.no_such_name  # noqa: B018


def test_functions_named_like_their_modules_stay_functions():
    import kpisim.report
    import kpisim.rules.audit
    import kpisim.simulate  # (sets the package attribute)

    for name in ("simulate", "report", "audit"):
        assert getattr(kpisim, name).__name__ == name
    from kpisim import goals, plot

    assert goals.__name__ == "kpisim.goals"
    assert plot.__name__ == "kpisim.plot"

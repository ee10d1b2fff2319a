"""EXPERIMENT (issue 12): where does M1's over-coverage come from? Three side checks.

The shipped model structure (``kpisim.models._refclass``, grid {0} of ``ar1_growth.py``),
refitted by maximum weighted mean log predictive density on a window sample, scored
with the backtest design (yearly series, ≥ 3 actuals, windows all/3/5/8, h = 1..6,
equal-tailed coverage by PIT):

1. **Yearly-only prior.** The shipped corpus is two thirds quarterly/monthly series
   averaged to years; the acceptance test uses yearly series. Fit on yearly series
   only (25 % window sample): cross-corpus and 10-fold by series.
2. **M1 in-sample.** Fit on M1's own yearly series (all its cases, ≥ 3 actuals) and
   score the same cases: the best this model structure can do on M1 at all.
3. **Discounted increments.** Every training increment weighted ω^age (ω = 1, 0.9,
   0.8) in the sufficient statistics (n, Σd, Σd² become weighted sums), 10-fold
   by series on the pooled corpus (6 % window sample).

Run: ``PYTHONPATH=src python benchmarks/experiments/m1_side_checks.py``
"""

from __future__ import annotations

import sys
import time
import zlib
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ar1_growth as base

ZERO = base.ZERO
TH0 = dict(m0=0.0541, k0=14.05, nu0=3.0, s0=0.1007, phi=0.9197, lam=0.0611)


def cover_rows(tag, c, pit, ls=None):
    for wl, m in base.wlabels(c).items():
        def cov(lo, hi, m=m):
            cells = []
            for h in range(1, 7):
                p = pit[m & (c["h"] == h)]
                cells.append(f"{np.mean((p > lo) & (p < hi)):.3f}")
            return " ".join(cells)

        c80, c95 = cov(0.1, 0.9), cov(0.025, 0.975)
        extra = "" if ls is None else f" | log score {ls[m].mean():+.4f}"
        print(f"  {tag} {wl:>3}: 80 % {c80} | 95 % {c95}{extra}")


def tenfold(c, mask_train, folds, names, period, th0):
    parts = [base.fit(base.sub(c, mask_train & (folds != k)), ZERO, th0)[0] for k in range(10)]
    print(f"  fold-0 fit: {base.show(parts[0])}")
    for corp in ("m1", "tourism"):
        pit, ls, idx = [], [], []
        for k in range(10):
            mm = (period == 1) & (names == corp) & (folds == k)
            sc = base.scores(base.sub(c, mm), parts[k], ZERO)
            pit.append(sc["pit"])
            ls.append(sc["ls"])
            idx.append(np.flatnonzero(mm))
        cover_rows(f"10-fold {corp}", base.sub(c, np.concatenate(idx)), np.concatenate(pit),
                   np.concatenate(ls))


def discounted(c, series, sid, om):
    n = np.zeros(len(c["y"]))
    s1, s2 = np.zeros_like(n), np.zeros_like(n)
    for i, (_, _, _, v) in enumerate(series):
        m = np.flatnonzero(sid == i)
        if not len(m):
            continue
        d = np.diff(np.log(v))
        w, a1, a2 = (np.zeros(len(d) + 1) for _ in range(3))
        for k in range(len(d)):
            w[k + 1] = om * w[k] + 1
            a1[k + 1] = om * a1[k] + d[k]
            a2[k + 1] = om * a2[k] + d[k] ** 2
        t = (c["av"][m] - 1).astype(int)
        a = (t - c["L"][m] + 1).astype(int)
        f = om ** (t - a)
        n[m], s1[m], s2[m] = w[t] - f * w[a], a1[t] - f * a1[a], a2[t] - f * a2[a]
    out = dict(c)
    out.update(n=n, S1=s1, S2=s2)  # the grid {0} uses only n, S1, S2
    return out


def main():
    t0 = time.time()
    series = base.corpus()
    c = base.cases(series)
    sid = c["sid"].astype(int)
    names = np.array([s[0] for s in series])[sid]
    period = np.array([s[2] for s in series])[sid]
    folds = np.array([zlib.crc32(s[1].encode()) % 10 for s in series])[sid]
    win = c["win"].astype(int)
    yearly = period == 1

    print("1. prior fitted on yearly series only (25 % window sample)")
    s25 = np.random.default_rng(7).random(int(win.max()) + 1)[win] < 0.25
    th_y, _ = base.fit(base.sub(c, yearly & s25), ZERO, TH0)
    print(f"  all yearly: {base.show(th_y)}")
    for train, test in (("m1", "tourism"), ("tourism", "m1")):
        th, _ = base.fit(base.sub(c, yearly & s25 & (names == train)), ZERO, th_y)
        te = base.sub(c, yearly & (names == test))
        print(f"  fit {train} yearly: {base.show(th)}")
        cover_rows(f"→ {test}", te, base.scores(te, th, ZERO)["pit"])
    tenfold(c, yearly & s25, folds, names, period, th_y)

    print(f"\n2. M1 yearly in-sample (all cases with ≥ 3 actuals)  [{time.time() - t0:.0f}s]")
    m1 = base.sub(c, yearly & (names == "m1") & (c["av"] >= 3))
    th, _ = base.fit(m1, ZERO, dict(m0=0.042, k0=3.2, nu0=3.0, s0=0.057, phi=0.999, lam=1e-4))
    print(f"  fit: {base.show(th)}")
    cover_rows("M1 in-sample", m1, base.scores(m1, th, ZERO)["pit"])

    print(f"\n3. discounted increments, pooled corpus, 10-fold  [{time.time() - t0:.0f}s]")
    s06 = np.random.default_rng(7).random(int(win.max()) + 1)[win] < 0.06
    for om in (1.0, 0.9, 0.8):
        print(f" ω = {om}")
        tenfold(discounted(c, series, sid, om), s06, folds, names, period, TH0)
    print(f"\nruntime {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

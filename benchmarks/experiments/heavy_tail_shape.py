"""EXPERIMENT (issue 12): heavy-tailed yearly shocks, an approximate closed form.

Motivation (``ar1_growth.py --diagnose``): M1's yearly growths are not autocorrelated
(median lag-1 acf -0.006) but leptokurtic (median kurtosis 3.7); with the series' own
mean and sd, normal one-step intervals cover 0.849 (80 %) on M1 and 0.805 on Tourism,
while a t5 shape with the same variance covers 0.817 / 0.765 and keeps 95 % at
0.948 / 0.920. The shipped predictive is Student-t with ν0 + n dof: near normal for
long histories, so the log-score fit widens the scale to cover the tails.

Model tested: the shipped model (``kpisim.models._refclass``) with unit-variance t_νe yearly
shocks instead of normal ones. Its predictive is no longer closed form; this
experiment uses a variance-matched Student-t approximation:

.. math::

    \\frac{1}{\\nu_\\text{eff}} = \\frac{1}{\\nu_n} + \\frac{r_h}{\\nu_e},\\qquad
    r_h = \\frac{h}{(h + S_h^2/\\kappa_n + \\lambda h^2)^2},\\qquad
    \\text{scale}^2 = s_n^2 (h + S_h^2/\\kappa_n + \\lambda h^2)
        \\frac{\\nu_n}{\\nu_n - 2}\\frac{\\nu_\\text{eff} - 2}{\\nu_\\text{eff}},

i.e. the excess kurtosis of h summed t shocks (1/h of one shock's, diluted by the
normal parameter part) is added, in 1/dof units, to the σ² uncertainty's, and the
predictive variance is the shipped one. νe > 4 is fitted with the other six
hyperparameters; νe → ∞ gives the shipped model exactly.

Evaluation: as ``ar1_growth.py`` (same cases, 6 % window sample for every fit,
cross-corpus and 10-fold by series, backtest-design scoring on yearly series).
Columns: shape | shipped-refit.

Result (2026-12-01, 488 s; ``heavy_tail_shape.out.txt``) — NOT adopted
--------------------------------------------------------------------
The log-score fit wants only mildly heavy shocks: νe = 12.7 (pooled), 49.8 (fit on
M1), 10.8 (fit on Tourism); fit-sample log score −0.0752 vs −0.0772. Coverage moves
by at most about 1 point (10-fold M1 yearly 80 % 0.863–0.921 vs 0.864–0.925; Tourism
0.754–0.817 vs 0.752–0.828). A t5 shape would put both corpora's one-step coverage in
the band (``ar1_growth.py --diagnose``: 0.817 / 0.765), but the likelihood does not
choose it: the pooled corpus (two thirds aggregated quarterly/monthly series) is less
heavy-tailed than the yearly series. Fitting on yearly series only (``--yearly``,
495 s, ``heavy_tail_shape.yearly.out.txt``) gives the same picture: νe = 10.3–11.1
across the folds (7.3 fitted on M1 yearly, 10.8 on Tourism yearly); 10-fold M1 yearly
80 % 0.862–0.924 (0.870–0.928 for the yearly-fitted shipped structure), Tourism
0.759–0.810 (0.758–0.822). The data's kurtosis (3.1–3.7) is that of a t with about
12 dof, not 5: the one-step over-coverage with the series' own sd is not (only) a
tail-shape effect.

Run: ``PYTHONPATH=src python benchmarks/experiments/heavy_tail_shape.py [--yearly]``
(``--yearly``: every fit on yearly series only, 25 % of their windows; output in
``heavy_tail_shape.yearly.out.txt``)
"""

from __future__ import annotations

import sys
import time
import zlib
from pathlib import Path

import numpy as np
from scipy import optimize, special

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ar1_growth as base

ZERO = base.ZERO


def unpack(x):
    th = base.unpack(x[:6], False)
    th["nue"] = 4.0 + np.exp(x[6])
    return th


def pack(th):
    return np.r_[base.pack(th, False), np.log(max(th["nue"] - 4.0, 1e-6))]


def components(c, th):
    lw, loc, sc, nun = base.components(c, th, ZERO)
    h = c["h"]
    phi, lam = th["phi"], th["lam"]
    sphi = h if phi >= 1 else phi * (1 - phi**h) / (1 - phi)
    kn = np.where(c["n"] >= 1, th["k0"] + c["n"], th["k0"])
    vf = h + sphi**2 / kn + lam * h**2
    r = h / vf**2
    nu = 1.0 / (1.0 / nun + r / th["nue"])
    nu = np.maximum(nu, 2.05)
    sc = sc[:, 0] * np.sqrt(nun / (nun - 2) * (nu - 2) / nu)
    return lw, loc, sc[:, None], nu


def logscore(c, th):
    _lw, loc, sc, nu = components(c, th)
    return base.logt(c["y"], loc[:, 0], sc[:, 0], nu)


def fit(c, start, maxiter=300):
    w = c["w"] / c["w"].sum()

    def obj(x):
        v = -float(np.dot(w, logscore(c, unpack(x))))
        return v if np.isfinite(v) else 1e10

    res = optimize.minimize(obj, pack(start), method="L-BFGS-B", options={"maxiter": maxiter})
    return unpack(res.x), -res.fun


def scores(c, th):
    comp = components(c, th)
    _lw, loc, sc, nu = comp
    ls = base.logt(c["y"], loc[:, 0], sc[:, 0], nu)
    pit = special.stdtr(nu, (c["y"] - loc[:, 0]) / sc[:, 0])
    med = loc[:, 0]
    yhat = c["lvT"] * np.exp(med)
    smape = 200 * np.abs(c["lvH"] - yhat) / (np.abs(c["lvH"]) + np.abs(yhat))
    prob = {x: 1 - special.stdtr(nu, (c["h"] * np.log1p(x) - loc[:, 0]) / sc[:, 0])
            for x in base.THRESH}
    return dict(ls=ls, pit=pit, smape=smape, prob=prob)


def main():
    t0 = time.time()
    series = base.corpus()
    c = base.cases(series)
    sid = c["sid"].astype(int)
    names = np.array([s[0] for s in series])[sid]
    period = np.array([s[2] for s in series])[sid]
    fold = np.array([zlib.crc32(s[1].encode()) % 10 for s in series])[sid]
    yearly = period == 1
    u = np.random.default_rng(7).random(int(c["win"].max()) + 1)[c["win"].astype(int)]
    if "--yearly" in sys.argv:  # fit on yearly series only (25 % of their windows)
        print("--yearly: every fit uses yearly series only (25 % of their windows)")
        sample = yearly & (u < 0.25)
    else:
        sample = u < 0.06
    th0 = dict(m0=0.0541, k0=14.05, nu0=3.0, s0=0.1007, phi=0.9197, lam=0.0611)
    # check: νe → ∞ reproduces the shipped closed form
    m = np.flatnonzero(sample)[:2000]
    cs = base.sub(c, m)
    _, _loc, sc, nu = components(cs, {**th0, "nue": 1e12})
    _, _loc0, sc0, nu0 = base.components(cs, th0, ZERO)
    print("νe→∞ check max|Δscale|, max|Δdof|:", float(np.max(np.abs(sc - sc0))),
          float(np.max(np.abs(nu - nu0))))
    tr = base.sub(c, sample)
    th_sh, ll_sh = fit(tr, {**th0, "nue": 6.0})
    th_0, ll_0 = base.fit(tr, ZERO, th0)
    print(f"fit all (window sample): shape {base.show(th_sh)} ls {ll_sh:+.4f}; shipped "
          f"{base.show(th_0)} ls {ll_0:+.4f}  [{time.time() - t0:.0f}s]")
    for train, test in (("m1", "tourism"), ("tourism", "m1")):
        trm = base.sub(c, sample & (names == train))
        ts, _ = fit(trm, th_sh)
        t0_, _ = base.fit(trm, ZERO, th_0)
        te = base.sub(c, yearly & (names == test))
        print(f"\nfit {train} (all periods) → shape {base.show(ts)}; shipped-refit "
              f"{base.show(t0_)}  [{time.time() - t0:.0f}s]")
        base.report(f"cross-corpus: fit {train} → score {test} yearly", te,
                    {"shape": scores(te, ts), "ship": base.scores(te, t0_, ZERO)})
    parts = []
    for k in range(10):
        trk = base.sub(c, sample & (fold != k))
        ts, _ = fit(trk, th_sh)
        t0_, _ = base.fit(trk, ZERO, th_0)
        print(f"fold {k}: shape {base.show(ts)}; ship {base.show(t0_)}  "
              f"[{time.time() - t0:.0f}s]")
        parts.append((fold == k, ts, t0_))
    for corp in ("m1", "tourism"):
        te_mask = yearly & (names == corp)
        idx, chunks = [], {"shape": [], "ship": []}
        for fm, ts, t0_ in parts:
            mm = te_mask & fm
            idx.append(np.flatnonzero(mm))
            te = base.sub(c, mm)
            chunks["shape"].append(scores(te, ts))
            chunks["ship"].append(base.scores(te, t0_, ZERO))
        out = {}
        for mdl, ch in chunks.items():
            out[mdl] = {k: np.concatenate([x[k] for x in ch]) for k in ("ls", "pit", "smape")}
            out[mdl]["prob"] = {x: np.concatenate([y["prob"][x] for y in ch])
                                for x in base.THRESH}
        base.report(f"10-fold by series: {corp} yearly", base.sub(c, np.concatenate(idx)), out)
    print(f"\nruntime {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

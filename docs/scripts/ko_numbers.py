"""Regenerate (or check) the headline numbers of ``docs/ko.md``.

The table between the ``ko-numbers`` markers of ``docs/ko.md`` is the output
of this script: P(goal met) with its Monte Carlo standard error for the three
numeric headline goals, from

    kpisim.simulate(kpisim.load_catalog(), n_paths=100_000, rng=2023)

Usage::

    python docs/scripts/ko_numbers.py           # print the block
    python docs/scripts/ko_numbers.py --check   # exit 1 if docs/ko.md is stale
    python docs/scripts/ko_numbers.py --write   # update docs/ko.md in place

About six seconds on one core.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

import kpisim

KO_PAGE = Path(__file__).resolve().parents[1] / "ko.md"
START, END = "<!-- ko-numbers:start -->", "<!-- ko-numbers:end -->"
GOALS = {  # id: unit suffix as written in Korean
    "ai_firms": "개",
    "ict_sw_exports": "억불",
    "sw_adoption_rate": "%",
}
N_PATHS, SEED = 100_000, 2023


def block() -> str:
    """The Markdown block that goes between the markers."""
    sim = kpisim.simulate(kpisim.load_catalog(), n_paths=N_PATHS, rng=SEED)
    probs = sim.prob_meet(ids=list(GOALS))
    lines = [
        START,
        "| 목표 | 연도 | 목표치 | P(달성) | 표준오차 | 95% 신뢰구간 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in probs[probs.year.isin([2027, 2030])].itertuples():
        target = f"{r.target:,.0f}{GOALS[r.id]}"
        lines.append(
            f"| {r.name_ko} (`{r.id}`) | {r.year} | {target} | {100 * r.prob:.1f}% "
            f"| {100 * r.se:.2f}%p | {100 * r.ci_low:.1f}–{100 * r.ci_high:.1f}% |"
        )
    ranges = kpisim.goals.prob_range(sim, 2030, ids=list(GOALS))
    lines += [
        "",
        "2030년 목표: 기본 전망과 **다른 근거 있는 사전분포에서의 확률 범위**, 목표가 요구하는 "
        "연 증가율, 그리고 실제 연간 시계열 가운데 그만큼을 9년 동안 유지한 비율(외부 관점):",
        "",
        "| 목표 | P(달성), 기본 | 사전분포에 따른 범위 | 범위 끝의 근거 (낮음 / 높음) | 요구 증가율 "
        "| 그만큼 유지한 실제 시계열 |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for r in ranges.itertuples():
        lines.append(
            f"| `{r.id}` | {100 * r.prob_default:.1f}% ± {100 * r.se:.2f}%p "
            f"| {100 * r.prob_low:.1f}–{100 * r.prob_high:.1f}% | {r.prior_low} / {r.prior_high} "
            f"| 연 {100 * r.required_rate:.1f}% | {100 * r.sustained_share:.0f}% |"
        )
    assumptions = sim.assumptions(lang="ko")
    model = assumptions[(assumptions.source == "model") & assumptions.id.isin(list(GOALS))]
    lines += ["", "모델이 실제로 사용한 성장 사전분포 (`sim.assumptions()`의 모델 항목):", ""]
    lines += [f"* `{r.id}`: {r.statement}" for r in model.itertuples()]
    lines += ["", f"(경로 {sim.n_paths:,}개, 시드 {SEED})", END]
    return "\n".join(lines)


def _current(text: str) -> str:
    m = re.search(re.escape(START) + r".*?" + re.escape(END), text, flags=re.S)
    if m is None:
        msg = f"{KO_PAGE}: markers {START} … {END} not found"
        raise SystemExit(msg)
    return m.group(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="fail if docs/ko.md is stale")
    group.add_argument("--write", action="store_true", help="update docs/ko.md in place")
    args = parser.parse_args(argv)
    new = block()
    if not (args.check or args.write):
        print(new)
        return 0
    text = KO_PAGE.read_text(encoding="utf-8")
    old = _current(text)
    if args.write:
        KO_PAGE.write_text(text.replace(old, new), encoding="utf-8")
        return 0
    if old != new:
        diff = difflib.unified_diff(old.splitlines(), new.splitlines(), "docs/ko.md", "now",
                                    lineterm="")
        print("\n".join(diff))
        print("docs/ko.md is stale: run `python docs/scripts/ko_numbers.py --write`",
              file=sys.stderr)
        return 1
    print("docs/ko.md headline numbers are current")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Reports: one self-contained HTML file that a real browser opens, Markdown, Excel."""

from __future__ import annotations

import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

import kpisim
from kpisim import Catalog, Change, Indicator, Scenario, Tags
from kpisim.reporting import report, report_excel, report_markdown
from kpisim.rules import Uplift
from tests.test_simulate import KnownLogNormal

MODEL = KnownLogNormal(mu=0.06, sigma=0.12)
CHROMIUM = Path("/usr/bin/chromium")
ODD_NAME = 'R&D <예산> "집행률"'


def _catalog() -> Catalog:
    return Catalog(
        (
            Indicator(
                id="ai_firms",
                name_ko="AI전문기업 육성",
                name_en="AI specialist firms fostered",
                unit="개",
                kind="count",
                actuals={2021: 1100.0, 2022: 1250.0},
                targets={2024: 2000.0, 2027: 2700.0, 2030: 3500.0},
                tags=Tags(headline=True),
            ),
            Indicator(
                id="contracts",
                name_ko="메타버스 해외진출 계약 건수",
                unit="건",
                kind="count",
                actuals={2021: 20.0, 2022: 23.0},
                targets={2022: 22.0, 2023: 24.0, 2024: 26.0, 2025: 28.0, 2026: 30.0},
                rule=Uplift(0.10, text="전년 목표치 대비 10% 상향된 목표치 설정"),
            ),
            Indicator(id="odd", name_ko=ODD_NAME, unit="%", kind="ratio",
                      actuals={2022: 50.0}, targets={2025: 60.0}),
            Indicator(id="no_target", name_ko="목표 없는 지표", unit="명", kind="count",
                      actuals={2022: 5.0}),
        ),
        name="test",
    )


@pytest.fixture(scope="module")
def sim():
    return kpisim.simulate(_catalog(), model=MODEL, n_paths=4096, rng=5)


@pytest.fixture(scope="module")
def compare_frame():
    scenarios = [
        Scenario(name="기준"),
        Scenario(name="예산 삭감", changes=(Change(indicator="ai_firms", growth_add=-0.03),)),
    ]
    return kpisim.compare(scenarios, _catalog(), model=MODEL, n_paths=4096, rng=5)


@pytest.fixture(scope="module")
def html_report(sim, compare_frame, tmp_path_factory):
    scores = np.random.default_rng(2).choice([20.0, 60.0, 100.0], size=400, p=[0.2, 0.3, 0.5])
    path = tmp_path_factory.mktemp("report") / "report.html"
    out = report(sim, path, scenarios=compare_frame, scores=scores)
    return out


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.attrs.append((tag, dict(attrs)))


def _parse(text: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser.attrs


def test_report_is_self_contained(html_report):
    assert html_report.suffix == ".html"
    text = html_report.read_text(encoding="utf-8")
    tags = _parse(text)
    charts = [a for tag, a in tags if tag == "svg" and a.get("class") == "chart"]
    # matplotlib figures inline: the headline fan, its P-vs-growth curve, scenarios, scores
    assert len(charts) == 4
    assert [a for tag, a in tags if tag == "table" and a.get("class") == "heat"]
    assert not [a for tag, a in tags if tag == "img"]  # nothing to decode, nothing external
    # every clip path a chart refers to is defined exactly once on the page
    ids = [a["id"] for _, a in tags if a.get("id")]
    refs = set(re.findall(r'url\(#([^)]+)\)', text))
    assert refs
    assert all(ids.count(r) == 1 for r in refs)
    assert len(ids) == len(set(ids))
    # the charts' text is text, in the embedded font
    assert "<text" in text
    # the charts' text asks for the embedded font first (matplotlib ≥ 3.10 writes
    # font-family, earlier releases the font shorthand "font: 10px …")
    assert re.search(r"font(-family)?: (\d+(\.\d+)?px )?'kpisim-ko', 'NanumGothic'", text)
    for tag, a in tags:
        for attr in ("src", "href"):
            value = a.get(attr)
            assert value is None or value.startswith(("data:", "#")), (tag, attr, value[:60])
        assert tag not in ("link", "iframe", "object", "embed")
    for url in re.findall(r"url\(([^)]{0,40})", text):
        assert url.startswith(("data:", "#")), url  # or an inline SVG's own clip path
    assert not re.search(r"https?://", text)
    assert 'charset="utf-8"' in text


def test_report_contents(html_report, sim):
    text = html_report.read_text(encoding="utf-8")
    for words in ("AI전문기업 육성", "메타버스 해외진출 계약 건수", "핵심 목표 요약",
                  "시나리오 비교", "예산 삭감", "평점", "방법과 가정", "4,096"):
        assert words in text, words
    # the headline goal's probabilities, SE and interval as the summary gives them
    p = sim.prob_meet(2030, ids=["ai_firms"]).iloc[0]
    assert f"{100 * p.prob:.1f}%" in text
    assert f"{100 * p.ci_low:.1f}–{100 * p.ci_high:.1f}%" in text
    # the model's own description and the skipped indicator with a Korean reason
    assert html.escape(sim.fitted("ai_firms").describe()) in text
    assert "목표 없는 지표" in text
    assert "수치로 된 목표가 없습니다" in text
    # the rule audit ran on the catalog (the Uplift rule is checkable)
    assert "전년 목표치 대비 10% 상향된 목표치 설정" in text
    assert "규칙과 어긋난 목표 경로 0개(먼저 표시), 규칙과 일치 1개, 점검 불가 0개." in text
    # escaped, never raw
    assert html.escape(ODD_NAME) in text
    assert "<예산>" not in text


def test_report_english_and_options(sim, tmp_path):
    audit = pd.DataFrame({"id": ["ai_firms"], "name_ko": ["AI전문기업 육성"], "rule_text": ["x"],
                          "stated": [{2027: 2700}], "recomputed": [{2027: 2662.0}],
                          "consistent": [False], "checkable": [True], "verdict": ["<custom>"]})
    text = report(sim, tmp_path / "en.html", lang="en", audit=audit).read_text(encoding="utf-8")
    assert "Headline goals" in text
    assert "AI specialist firms fostered" in text
    assert "&lt;custom&gt;" in text
    assert '<html lang="en">' in text
    with pytest.raises(ValueError, match="`lang`"):
        report(sim, tmp_path / "x.html", lang="de")


def _chromium(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    cmd = [
        str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium "
                    "(apt-get install -y chromium) to open the report in a real browser")
def test_report_opens_in_a_headless_browser(html_report, tmp_path):
    shot = tmp_path / "shot.png"
    url = html_report.resolve().as_uri()
    run = _chromium(f"--screenshot={shot}", "--window-size=1200,2000", url, tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 20_000

    run = _chromium("--virtual-time-budget=5000", "--dump-dom", url, tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    body = dict(next(a for tag, a in _parse(run.stdout) if tag == "body"))
    page = html_report.read_text(encoding="utf-8")
    n_img = len(re.findall(r"<img ", page))
    assert body.get("data-images-total") == str(n_img)
    assert body.get("data-images-loaded") == str(n_img)  # every image decoded (naturalWidth > 0)
    assert body.get("data-charts") == str(page.count('<svg class="chart"'))  # charts parsed
    assert int(body.get("data-font-loaded", "0")) >= 1  # the embedded Korean font is used


def test_markdown(sim, tmp_path):
    text = report_markdown(sim, tmp_path / "r.md").read_text(encoding="utf-8")
    assert text.startswith("# 성과지표 목표 달성 가능성 보고서")
    assert "| 지표 | 목표 연도 | 목표치 |" in text
    assert "★ AI전문기업 육성" in text
    # the name is escaped: it renders as written, but no raw HTML reaches the page
    assert 'R&amp;D &lt;예산&gt; "집행률"' in text
    assert "<예산>" not in text
    assert "목표 없는 지표" in text
    table_lines = [ln for ln in text.splitlines() if ln.startswith("|")]
    assert all(ln.endswith("|") for ln in table_lines)


def _sheet_names(path) -> list[str]:
    book = openpyxl.load_workbook(path, read_only=True)
    names = book.sheetnames
    book.close()  # a read-only workbook keeps its file open until closed
    return names


def test_excel(sim, tmp_path):
    path = report_excel(sim, tmp_path / "r.xlsx", lang="en")
    assert _sheet_names(path) == ["summary", "prob_meet", "prob_path", "first_hit",
                                  "quantiles", "assumptions", "skipped", "settings", "audit"]
    summary = pd.read_excel(path, sheet_name="summary")
    assert summary["id"].iloc[0] == "ai_firms"
    quantiles = pd.read_excel(path, sheet_name="quantiles")
    assert {"id", "year", "q2.5", "q50", "q97.5"} <= set(quantiles.columns)
    skipped = pd.read_excel(path, sheet_name="skipped")
    assert skipped["id"].tolist() == ["no_target"]


def test_excel_is_korean_by_default_with_each_field_named(sim, tmp_path):
    """The workbook's sheets and headers were English whatever the language."""
    path = report_excel(sim, tmp_path / "r.xlsx")
    assert _sheet_names(path) == ["요약", "연도별 달성확률", "연속 달성확률", "최초 달성 연도",
                                  "분위수", "가정", "제외 지표", "설정", "목표 점검"]
    sheets = pd.read_excel(path, sheet_name=None)
    assert all(len(name) <= 31 for name in sheets)  # Excel's limit on a sheet name
    meet = sheets["연도별 달성확률"]
    assert {"지표 ID (id)", "연도 (year)", "달성확률 (prob)", "95% 구간 하한 (ci_low)"} <= set(
        meet.columns)
    assert meet["지표 ID (id)"].iloc[0] == "ai_firms"
    audit_cols = set(sheets["목표 점검"].columns)
    assert "판정 (verdict)" in audit_cols
    assert "규칙으로 재계산 (recomputed)" in audit_cols
    # every header of every sheet is Korean except the quantile columns (q2.5 …)
    for name, frame in sheets.items():
        for col in frame.columns:
            assert "(" in col or col.startswith("q"), (name, col)


def test_report_with_a_score_result(sim, tmp_path):
    scoring = pytest.importorskip("kpisim.scoring")
    result = scoring.score_simulation(sim, 2025)
    text = report(sim, tmp_path / "scored.html", scores=result, audit=False).read_text("utf-8")
    assert "가중 총점 분포" in text
    assert "규칙 점검 결과가 없습니다" in text  # audit=False leaves the audit out
    assert f"기댓값 {result.total.mean:.1f}점" in text
    row = result.table.iloc[0]
    assert f"{row['mean']:.1f}" in text


def test_markdown_and_excel_reports_need_no_matplotlib():
    # a fresh interpreter is the point: what do the report and the CLI modules load?
    code = ("import sys, kpisim.reporting, kpisim.cli, kpisim._summary; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True)
    assert out.stdout.strip() == "False"


def test_heatmap_table_shows_every_probability(sim, html_report):
    text = html_report.read_text(encoding="utf-8")
    heat = text[text.index('<table class="heat">'):]
    heat = heat[:heat.index("</table>")]
    probs = sim.prob_meet()
    for r in probs[~probs["observed"]].itertuples():
        p = r.prob
        shown = (f"{100 * p:.0f}%" if 0.005 <= p <= 0.995 else "<1%" if p < 0.5 else ">99%")
        assert f">{html.escape(shown)}</td>" in heat, (r.id, r.year, shown)
    # years already observed are facts, marked met/missed, not a probability
    assert 'class="obs">' in heat


def test_font_subset_cache_gives_the_same_bytes(tmp_path, monkeypatch):
    import kpisim.reporting._font  # noqa: F401

    rep = sys.modules["kpisim.reporting._font"]
    from kpisim import plot

    _, font = plot.korean_font()
    stat = font.stat()
    args = (str(font), stat.st_size, stat.st_mtime, "가나다 AI 2,000개")
    monkeypatch.setenv("KPISIM_CACHE_DIR", str(tmp_path))
    rep._font_subset.cache_clear()
    made = rep._font_subset(*args)
    files = list(tmp_path.glob("font-*.woff.b64"))
    assert len(files) == 1
    assert files[0].read_text(encoding="ascii") == made
    rep._font_subset.cache_clear()
    assert rep._font_subset(*args) == made  # read back from the file
    files[0].write_text("not base64 ###", encoding="ascii")  # a damaged cache is ignored
    rep._font_subset.cache_clear()
    assert rep._font_subset(*args) == made == rep._make_subset(str(font), args[3])
    monkeypatch.setenv("KPISIM_CACHE_DIR", "")  # no cache at all
    rep._font_subset.cache_clear()
    assert rep._font_subset(*args) == made
    rep._font_subset.cache_clear()


def test_grade_goals_are_in_the_excel_summary_and_both_heatmaps(tmp_path):
    """대외 기관평가 (a grade, one of the four headline goals) was missing from the
    workbook's summary sheet and from the heatmaps, though `kpisim run` prints it."""
    from kpisim import plot

    sim = kpisim.simulate(kpisim.load_catalog().headline(), n_paths=4096, rng=3)
    assert sim.grade_ids == ["external_evaluation"]
    book = report_excel(sim, tmp_path / "r.xlsx", lang="en")
    summary = pd.read_excel(book, sheet_name="summary")
    assert "external_evaluation" in set(summary["id"])
    assert len(summary) == len(sim.summary())  # the rows of the printed table
    page = report(sim, tmp_path / "r.html").read_text(encoding="utf-8")
    heat = page[page.index('<table class="heat">'):]
    heat = heat[:heat.index("</table>")]
    name = sim.catalog["external_evaluation"].name_ko
    assert html.escape(name[:6]) in heat
    ax = plot.attainment_heatmap(sim)
    labels = " ".join(t.get_text() for t in ax.get_yticklabels())
    assert name[:6] in labels


def test_a_score_table_in_the_report_has_headers_in_the_reports_language(sim, tmp_path):
    frame = pd.DataFrame({"id": ["ai_firms"], "name_ko": ["AI 기업"], "year": [2025],
                          "target": [2000.0], "p_met": [0.4], "mean_score": [80.5],
                          "p_100": [0.3], "method": ["target_ratio"]})
    page = report(sim, tmp_path / "r.html", scores=frame).read_text(encoding="utf-8")
    for raw in ("mean_score", "p_met", "p_100", "name_ko"):
        assert f"<th>{raw}</th>" not in page
    assert "E[평점]" in page
    assert "달성확률" in page


def test_every_setting_has_a_name_in_the_report(sim, tmp_path):
    page = report(sim, tmp_path / "r.html").read_text(encoding="utf-8")
    for key in sim.settings:  # raw keys (seed_spawn_key, prior, grade_model) leaked
        assert f"<td>{key}</td>" not in page, key


def test_the_report_takes_the_runs_score_table_with_grade_rows(tmp_path):
    """`kpisim run` passes its score table (grade goals scored by method `grade`)
    to the report; naming the methods must not refuse `grade` (the quick start
    failed with 'unknown scoring method')."""
    from kpisim.cli._common import _scores_and_totals

    sim = kpisim.simulate(kpisim.load_catalog(), n_paths=4096, rng=3)
    scores, _ = _scores_and_totals(sim)
    assert "grade" in set(scores["method"])
    page = report(sim, tmp_path / "r.html", scores=scores).read_text(encoding="utf-8")
    assert "등급 평점" in page


def test_the_workbooks_skipped_reasons_are_in_its_language(tmp_path):
    sim = kpisim.simulate(kpisim.load_catalog(), n_paths=1024, rng=3)
    ko = pd.read_excel(report_excel(sim, tmp_path / "ko.xlsx"), sheet_name="제외 지표")
    en = pd.read_excel(report_excel(sim, tmp_path / "en.xlsx", lang="en"), sheet_name="skipped")
    assert ko["사유 (reason)"].str.contains("수치 목표치가 없음").any()
    assert en["reason"].str.contains("no stated numeric target").any()

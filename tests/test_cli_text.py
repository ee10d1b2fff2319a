"""`kpisim run` speaks one language at a time, and its CSV/JSON are numbers.

In-process (``kpisim.cli.main`` with capsys); few paths to stay fast.
"""

from __future__ import annotations

import json
import re

import pytest

import kpisim
from kpisim._summary import display_width
from kpisim.cli import main

PATHS = ["--paths", "1000", "--no-report"]
HANGUL = re.compile(r"[\uac00-\ud7a3\u3131-\u318e]")
#: Three or more English words in a row (a sentence fragment), e.g. "not simulated: 28".
ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’]+(?:[ ,;:()/-]+[A-Za-z][A-Za-z'’]+){2,}")


SCENARIOS = """\
scenarios:
  - name: 예산 삭감
    description: AI 예산 삭감
    changes:
      - {indicator: ai_firms, growth_add: -0.05}
  - name: 수출 호조
    changes:
      - {indicator: ict_sw_exports, growth_add: 0.05}
"""


@pytest.fixture(scope="module")
def catalog():
    return kpisim.load_catalog()


def _names(catalog, attr: str) -> list[str]:
    # names, and the grades of a grade scale (document data: 최우수, 1등급 …)
    names = [getattr(i, attr) or "" for i in catalog.values()] + [catalog.title]
    names += [g for i in catalog.values() for g in i.scale]
    return sorted((n for n in names if n), key=len, reverse=True)


_OUT: dict[tuple[str, ...], tuple[str, str]] = {}


def _run(capsys, *argv: str, stderr: bool = False):
    """stdout (and stderr) of ``kpisim run <argv>``; each distinct command runs once."""
    if argv not in _OUT:
        code = main(["run", *PATHS, *argv])
        out, err = capsys.readouterr()
        assert code == 0, err
        _OUT[argv] = (out, err)
    return _OUT[argv] if stderr else _OUT[argv][0]


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("scen") / "two.yaml"
    path.write_text(SCENARIOS, encoding="utf-8")
    return str(path)


def _ko(capsys, scenario_file) -> str:
    """The Korean run, with two scenarios (its first table is the baseline table)."""
    return _run(capsys, "--lang", "ko", "--scenario", scenario_file)


def _strip(text: str, names: list[str]) -> str:
    for n in names:
        text = text.replace(n, " ")
    # ids (snake_case), code names in backticks, the model name, options and corpus names
    text = re.sub(r"`[^`]*`|\b\w+_\w+\b|\bprior='\w+'|refgrowth|kpisim[.\w]*", " ", text)
    text = re.sub(r"'[^'\n]*[가-힣][^'\n]*'", " ", text)  # the document's words, quoted
    return text


def test_korean_run_has_no_english_sentence(capsys, catalog, scenario_file):
    out = _ko(capsys, scenario_file)
    assert "달성확률" in out.splitlines()[0]
    text = _strip(out, _names(catalog, "name_ko"))
    runs = [m.group(0) for m in ENGLISH_RUN.finditer(text)]
    assert not runs, runs[:10]


def test_english_run_has_no_hangul_outside_names(capsys, catalog):
    out = _run(capsys, "--lang", "en")
    assert out.startswith("P(goal met)")
    text = _strip(out, [*_names(catalog, "name_en"), catalog.title])
    bad = [line for line in text.splitlines() if HANGUL.search(line)]
    assert not bad, bad[:10]
    # full English names, never cut at 28 characters
    longest = max((i for i in catalog.values() if i.tags.headline and i.name_en),
                  key=lambda i: len(i.name_en))
    assert len(longest.name_en) > 28
    assert longest.name_en in out


def _table_block(out: str) -> list[str]:
    lines = out.splitlines()
    end = next(i for i, line in enumerate(lines[1:], 1) if not line.strip())
    return lines[1:end]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_columns_line_up_by_display_width(capsys, lang, scenario_file):
    out = _ko(capsys, scenario_file) if lang == "ko" else _run(capsys, "--lang", "en")
    rows = _table_block(out)
    assert len(rows) > 10
    header = rows[0]
    year_head = "연도" if lang == "ko" else "year"
    # the year column ends at the same display column on every row
    end = display_width(header[: header.index(year_head) + len(year_head)])
    for row in rows[1:]:
        years = list(re.finditer(r"\b20\d\d\b", row))
        assert years, row
        assert display_width(row[: years[0].end()]) == end, row


def test_units_on_targets_and_se_in_points(capsys, scenario_file):
    out = _ko(capsys, scenario_file)
    rows = _table_block(out)
    ai = next(r for r in rows if "AI전문기업 육성" in r and "2030" in r)
    assert "3,500개" in ai
    assert re.search(r"±\d+\.\d\d %p", ai)
    share = next(r for r in rows if "SW신기술 도입률" in r and "2030" in r)
    assert "80%" in share
    en = _table_block(_run(capsys, "--lang", "en"))
    exports = next(r for r in en if "Exports of ICT and software firms" in r and "2030" in r)
    assert "220 × 100M USD" in exports
    assert re.search(r"±\d+\.\d\d pp", exports)


def _expected_rows(capsys) -> set[tuple[str, int]]:
    """Every (indicator, stated target year after its last actual), from the engine."""
    sim = kpisim.simulate(kpisim.load_catalog(), n_paths=200, rng=20231)
    p = sim.prob_meet()
    return {(r.id, int(r.year)) for r in p[~p.observed].itertuples()}


def test_json_is_numeric_and_complete(capsys):
    out = _run(capsys, "--format", "json")
    rows = json.loads(out)  # strict JSON: no NaN / Infinity tokens
    assert "Infinity" not in out
    assert "NaN" not in out
    got = {(r["id"], r["year"]) for r in rows}
    assert got == _expected_rows(capsys)
    assert len(rows) == len(got)
    for r in rows:
        for col in ("prob", "se", "target", "ci_low", "ci_high", "median", "last_actual"):
            assert r[col] is None or isinstance(r[col], (int, float)), (col, r[col])
        assert isinstance(r["prob"], float)
        assert 0 <= r["prob"] <= 1
        assert r["progress_ratio"] is None or isinstance(r["progress_ratio"], float)
        assert isinstance(r["assumption_texts"], list)
        assert r["assumption_texts"]
        assert all(isinstance(s, str) and s for s in r["assumption_texts"])


def test_csv_is_numeric_and_complete(capsys):
    import io

    import pandas as pd

    frame = pd.read_csv(io.StringIO(_run(capsys, "--format", "csv")))
    assert {(i, int(y)) for i, y in zip(frame["id"], frame["year"], strict=True)} \
        == _expected_rows(capsys)
    for col in ("prob", "se", "target", "ci_low", "ci_high", "median", "progress_ratio"):
        assert pd.api.types.is_float_dtype(frame[col]), col
    assert frame["assumption_texts"].str.len().gt(0).all()
    assert not frame.select_dtypes("number").isin([float("inf"), float("-inf")]).any().any()


def test_quiet_prints_only_the_table(capsys, tmp_path_factory):
    pytest.importorskip("openpyxl")
    import pandas as pd

    xlsx = tmp_path_factory.mktemp("xlsx") / "kpisim.xlsx"
    out, err = _run(capsys, "--quiet", "--excel", str(xlsx), stderr=True)
    lines = out.strip().splitlines()
    assert "성과지표" in lines[0]
    assert "달성확률" in lines[0]
    assert all(re.search(r"\b20\d\d\b", line) for line in lines[1:])
    assert err == ""  # not even the "written to" line
    sheets = pd.read_excel(xlsx, sheet_name=None)  # --excel wrote the workbook, in Korean
    assert {"요약", "연도별 달성확률", "가정"} <= set(sheets)
    assert "ai_firms" in set(sheets["요약"]["지표 ID (id)"])




def test_every_scenario_side_by_side_with_the_baseline(capsys, scenario_file):
    out = _ko(capsys, scenario_file)
    block = out[out.index("시나리오별 달성확률"):].split("\n\n")[0].splitlines()
    header = next(line for line in block if "기준(시나리오 없음)" in line)
    assert "예산 삭감" in header
    assert "수출 호조" in header
    ai = [line for line in block if "AI전문기업 육성" in line]
    exports = [line for line in block if "ICT·SW기업 수출액" in line]
    assert len(ai) == 3
    assert len(exports) == 2
    # a growth cut lowers P for the AI goal only; the export push raises P for exports only
    for line in ai:
        changes = re.findall(r"\(([+-]\d+\.\d) %p\)", line)
        assert float(changes[0]) < 0, line
        assert float(changes[1]) == 0, line
    for line in exports:
        changes = re.findall(r"\(([+-]\d+\.\d) %p\)", line)
        assert float(changes[0]) == 0, line
        assert float(changes[1]) > 0, line

    rows = json.loads(_run(capsys, "--scenario", scenario_file, "--format", "json"))
    by = {}
    for r in rows:
        by.setdefault(r["scenario"], {})[(r["id"], r["year"])] = r["prob"]
    assert set(by) == {"기준(시나리오 없음)", "예산 삭감", "수출 호조"}
    assert by["예산 삭감"][("ai_firms", 2030)] < by["기준(시나리오 없음)"][("ai_firms", 2030)]
    assert by["수출 호조"][("ai_firms", 2030)] == by["기준(시나리오 없음)"][("ai_firms", 2030)]


def test_duplicate_scenario_names_exit_2(capsys, tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(SCENARIOS.replace("수출 호조", "예산 삭감"), encoding="utf-8")
    code = main(["run", *PATHS, "--scenario", str(path)])
    _, err = capsys.readouterr()
    assert code == 2
    assert "시나리오 이름이 서로 달라야 함" in err  # Korean by default
    code = main(["run", *PATHS, "--scenario", str(path), "--lang", "en"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "distinct" in err


def test_korean_docs_page_has_no_english_sentence():
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "ko.md"
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", " ", text, flags=re.S)  # code blocks are code
    text = re.sub(r"`[^`]*`|\]\([^)]*\)|<!--.*?-->", " ", text)  # inline code, link targets
    runs = [m.group(0) for m in ENGLISH_RUN.finditer(text)]
    assert not runs, runs[:10]


def test_compare_frame_for_the_report_keeps_the_changed_indicators():
    import pandas as pd

    from kpisim.cli._run import _compare_frame

    base = pd.DataFrame({"id": ["a", "a", "b"], "year": [2027, 2030, 2030],
                         "target": [1.0, 2.0, 3.0], "prob": [0.1, 0.2, 0.3],
                         "se": [0.01, 0.02, 0.03]})
    cut = base.assign(prob=[0.05, 0.1, 0.3])
    assert _compare_frame([("기준", "", base, set())], base) is None
    frame = _compare_frame([("기준", "", base, set()), ("삭감", "", cut, {"a"})], base)
    assert list(frame["id"]) == ["a", "a"]
    assert list(frame["기준"]) == [0.1, 0.2]
    assert list(frame["삭감"]) == [0.05, 0.1]
    assert list(frame["삭감 se"]) == [0.01, 0.02]
    every = _compare_frame([("기준", "", base, set()), ("전체", "", cut, None)], base)
    assert list(every["id"]) == ["a", "a", "b"]


def test_korean_report_has_no_english_sentence(catalog, tmp_path):
    """The HTML report in Korean: no run of three English words in its text (names aside).

    Its audit section quotes rule-failure reasons, which are catalogue messages too.
    """
    import html

    import kpisim
    from kpisim.reporting import report

    sim = kpisim.simulate(catalog, n_paths=2_000, rng=1)
    page = report(sim, tmp_path / "r.html", lang="ko").read_text(encoding="utf-8")
    page = re.sub(r"<(style|script|svg)\b.*?</\1>", " ", page, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    text = _strip(text, _names(catalog, "name_ko"))
    text = re.sub(r"markov_grade|target_ratio", " ", text)
    runs = [m.group(0) for m in ENGLISH_RUN.finditer(text)]
    assert not runs, runs[:10]

"""A malformed scenario file or backtest CSV: its message in Korean (the CLI's default)
and in English (``--lang en``).

The English text is the message kpisim has always given (``str(err)``, captured from the
code before the messages moved to the catalogue); Korean renders the same parts (the
file, the key or row/column, the scenario name, the indicator id, the field, what was
expected, what was found) around values that are never translated.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import kpisim
from kpisim import _messages
from kpisim.cli import main

CATALOG = """indicators:
  - id: visits
    name_ko: 방문 건수
    unit: 건
    kind: count
    actual: {2021: 120, 2022: 135, 2023: 150}
    target: {2025: 170}
"""
FIELDS = ("['budget', 'elasticity', 'growth_add', 'growth_multiplier', 'indicator', "
          "'level_shock', 'volatility_multiplier', 'years']")

#: scenario file name, its text, the Korean message, the English message (today's)
SCENARIOS = [
    pytest.param(
        "unknown.yaml", "name: typo\nchanges:\n  - {indicator: visit, growth_add: 0.1}\n",
        "시나리오 `typo`에 알 수 없는 지표 ['visit']이(가) 있음; 시뮬레이션된 지표: ['visits']",
        "scenario `typo` names unknown indicator(s) ['visit']; simulated indicators are "
        "['visits']",
        id="unknown-indicator"),
    pytest.param(
        "pct.yaml", "name: cut\nchanges:\n  - {indicator: visits, growth_add: 3}\n",
        "pct.yaml, changes[0]: 지표 `visits`의 시나리오 변경, 필드 `growth_add`: 기대한 값: "
        "(−1, 1) 범위의 분수로 적은 연 성장률 변화 (혹시 0.03, 즉 연 +3%p인가요?); 받은 값: 3.0",
        "pct.yaml, changes[0]: scenario change for `visits`: `growth_add` must be a yearly "
        "growth change as a fraction in (−1, 1) (did you mean 0.03, i.e. +3 percentage points "
        "a year?); got 3.0",
        id="growth-add-percent"),
    pytest.param(
        "elast.yaml", "name: budget\nchanges:\n  - {indicator: visits, elasticity: 0.5}\n",
        "elast.yaml, changes[0]: 지표 `visits`의 시나리오 변경, 필드 `elasticity`: 기대한 값: "
        "`budget`과 함께 지정 (탄력성은 예산의 효과를 조정하는데, 이 변경에는 `budget`이 없음); "
        "받은 값: 0.5",
        "elast.yaml, changes[0]: scenario change for `visits`: `elasticity` must be given with "
        "a `budget` (it scales the budget's effect, and this change has no budget); got 0.5",
        id="elasticity-without-budget"),
    pytest.param(
        "years.yaml",
        "name: late\nchanges:\n  - {indicator: visits, years: [2030, 2025], growth_add: 0.01}\n",
        "years.yaml, changes[0]: 지표 `visits`의 시나리오 변경, 필드 `years`: 기대한 값: "
        "1990–2100 사이의 정수로 된 연도 또는 [first, last] (first ≤ last); 받은 값: [2030, 2025]",
        "years.yaml, changes[0]: scenario change for `visits`: `years` must be a year or "
        "[first, last] as integers in 1990–2100, first ≤ last; got [2030, 2025]",
        id="bad-years"),
    pytest.param(
        "key.yaml", "name: typo\nchanges:\n  - {indicator: visits, growth_ad: 0.01}\n",
        f"key.yaml, changes[0]: 알 수 없는 키 ['growth_ad']; 쓸 수 있는 키: {FIELDS}",
        f"key.yaml, changes[0]: unknown key(s) ['growth_ad']; expected some of {FIELDS}",
        id="unknown-key"),
    pytest.param(
        "changes.yaml", "name: x\nchanges: 5\n",
        "changes.yaml, 필드 `changes`: 기대한 값: 목록; 받은 값: 5",
        "changes.yaml: `changes` must be a list; got 5",
        id="changes-not-a-list"),
    pytest.param(
        "budget.yaml", "name: b\nchanges:\n  - {indicator: visits, budget: {2024: -5}}\n",
        "budget.yaml, changes[0]: 지표 `visits`의 시나리오 변경, 필드 `budget.2024`: 기대한 값: "
        "1e+18 이하의 양의 유한한 금액; 받은 값: -5",
        "budget.yaml, changes[0]: scenario change for `visits`: `budget.2024` must be a "
        "positive finite amount ≤ 1e+18; got -5",
        id="bad-budget"),
    pytest.param(
        "text.yaml", "name: b\nchanges:\n  - {indicator: visits, growth_multiplier: fast}\n",
        "text.yaml, changes[0]: 지표 `visits`의 시나리오 변경, 필드 `growth_multiplier`: "
        "기대한 값: 유한한 숫자 (bool이나 텍스트는 안 됨); 받은 값: 'fast'",
        "text.yaml, changes[0]: scenario change for `visits`: `growth_multiplier` must be a "
        "finite number (not a bool or text); got 'fast'",
        id="text-for-number"),
    pytest.param(
        "dup.yaml", "scenarios:\n  - {name: a, changes: []}\n  - {name: a, changes: []}\n",
        "dup.yaml: 시나리오 이름이 서로 달라야 함; 받은 값: ['a', 'a']",
        "dup.yaml: scenario names must be distinct; got ['a', 'a']",
        id="duplicate-names"),
    pytest.param(
        "two.yaml", "scenarios:\n  - {name: a, changes: []}\n"
        "  - {name: b, changes: [{indicator: visits, level_shock: -2}]}\n",
        "two.yaml, scenarios[1], changes[0]: 지표 `visits`의 시나리오 변경, 필드 `level_shock`: "
        "기대한 값: -1보다 큰 값; 받은 값: -2.0",
        "two.yaml, scenarios[1], changes[0]: scenario change for `visits`: `level_shock` must "
        "be > -1; got -2.0",
        id="second-scenario"),
    pytest.param(
        "top.yaml", "next: 100\n",
        "top.yaml: 기대한 값: `name`과 `changes` 목록이 있는 시나리오 매핑 (또는 `scenarios: "
        "[...]`가 있는 파일); 받은 값: {'next': 100}",
        "top.yaml: a scenario is a mapping with `name` and a list of `changes` (or a file "
        "with `scenarios: [...]`); got {'next': 100}",
        id="not-a-scenario"),
    pytest.param(
        "empty.yaml", "",
        "empty.yaml: 시나리오 파일이 비어 있음",
        "empty.yaml: the scenario file is empty",
        id="empty-file"),
]

#: backtest CSV name, its text, the Korean message, the English message (today's)
CSVS = [
    pytest.param(
        "cols.csv", "id,year,value\na,2020,1\n",
        "cols.csv: 백테스트 CSV에는 series_id, year, value 열이 필요함 (kind는 선택); "
        "빠진 열: ['series_id'], 있는 열: ['id', 'year', 'value']",
        "cols.csv: a backtest CSV needs the columns series_id, year, value (and optionally "
        "kind); missing ['series_id'], found ['id', 'year', 'value']",
        id="missing-column"),
    pytest.param(
        "value.csv", "series_id,year,value\na,2020,1\na,2021,abc\n",
        "value.csv: 3행, `value` 열: 기대한 값: 유한한 숫자 (또는 빈칸); 받은 값: 'abc'",
        "value.csv: row 3, column `value`: expected a finite number (or blank); got 'abc'",
        id="non-numeric-value"),
    pytest.param(
        "many.csv", "series_id,year,value\n" + "".join(f"a,20x{i},1\n" for i in range(5)),
        "many.csv: 2행, `year` 열: 기대한 값: 정수로 된 연도; 받은 값: '20x0'; 3행, `year` 열: "
        "기대한 값: 정수로 된 연도; 받은 값: '20x1'; 4행, `year` 열: 기대한 값: 정수로 된 연도; "
        "받은 값: '20x2' (외 2건)",
        "many.csv: row 2, column `year`: expected an integer year; got '20x0'; row 3, column "
        "`year`: expected an integer year; got '20x1'; row 4, column `year`: expected an "
        "integer year; got '20x2' (and 2 more)",
        id="bad-years-and-more"),
    pytest.param(
        "header.csv", "series_id,year,value\n",
        "header.csv: 표에 머리글만 있고 데이터 행이 없음",
        "header.csv: the table has a header but no rows of data",
        id="header-only"),
    pytest.param(
        "dup.csv", "series_id,year,value\n" + "".join(
            f"a,{y},{v}\n" for y, v in ((2020, 1), (2020, 2), (2021, 3), (2022, 4), (2023, 5))),
        "시계열 'a': 모델 `backtest`: `history`에 중복된 연도 [2020]이(가) 있음.",
        "series 'a': model `backtest`: `history` has duplicate years [2020].",
        id="duplicate-years"),
    pytest.param(
        "short.csv", "series_id,year,value\na,2020,1\na,2021,2\n",
        "short.csv 백테스트: 채점할 수 있는 예측이 없음 — 실적 4개 미만: a",
        "backtest of short.csv: no forecast could be scored — fewer than 4 actuals: a",
        id="too-short"),
]

#: Words of the English framing that a Korean message must not contain.
ENGLISH = re.compile(r"\b(expected|got|must|scenario|indicator|line|row|column)\b", re.I)


def framing(message: str) -> str:
    """``message`` without the values it quotes ('indicator' as a key name is a value)."""
    return re.sub(r"'[^']*'|`[^`]*`", "", message)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_scenario(capsys, tmp_path, monkeypatch, name, text, *lang):
    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text(CATALOG, encoding="utf-8")
    Path(name).write_text(text, encoding="utf-8")
    return run(capsys, "run", "--catalog", "c.yaml", "--paths", "100", "--no-report",
               "--quiet", "--scenario", name, *lang)


def run_backtest(capsys, tmp_path, monkeypatch, name, text, *lang):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    return run(capsys, "backtest", "--data", name, "--paths", "100", "--models", "naive",
               "--quiet", *lang)


@pytest.mark.parametrize(("name", "text", "ko", "en"), SCENARIOS)
def test_scenario_error_in_korean_by_default(capsys, tmp_path, monkeypatch, name, text, ko,
                                             en):
    code, _, err = run_scenario(capsys, tmp_path, monkeypatch, name, text)
    assert code == 2
    assert err == f"kpisim: 오류: {ko}\n"
    assert not ENGLISH.search(framing(err)), err


@pytest.mark.parametrize(("name", "text", "ko", "en"), SCENARIOS)
def test_scenario_error_lang_en_is_unchanged(capsys, tmp_path, monkeypatch, name, text, ko,
                                             en):
    code, _, err = run_scenario(capsys, tmp_path, monkeypatch, name, text, "--lang", "en")
    assert code == 2
    assert err == f"kpisim: error: {en}\n"


@pytest.mark.parametrize(("name", "text", "ko", "en"),
                         [p for p in SCENARIOS if p.id != "unknown-indicator"])
def test_load_scenario_error_is_english_and_renders_korean(tmp_path, monkeypatch, name, text,
                                                           ko, en):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    with pytest.raises(kpisim.SimulationError) as info:
        kpisim.load_scenario(name)
    assert str(info.value) == en  # the exception's own message is English, as it was
    assert info.value.in_lang("en") == en
    assert info.value.in_lang() == ko


@pytest.mark.parametrize(("name", "text", "ko", "en"), CSVS)
def test_backtest_csv_error_in_korean_by_default(capsys, tmp_path, monkeypatch, name, text,
                                                 ko, en):
    code, _, err = run_backtest(capsys, tmp_path, monkeypatch, name, text)
    assert code == 2
    assert err == f"kpisim: 오류: {ko}\n"
    assert not ENGLISH.search(framing(err)), err


@pytest.mark.parametrize(("name", "text", "ko", "en"), CSVS)
def test_backtest_csv_error_lang_en_is_unchanged(capsys, tmp_path, monkeypatch, name, text,
                                                 ko, en):
    code, _, err = run_backtest(capsys, tmp_path, monkeypatch, name, text, "--lang", "en")
    assert code == 2
    assert err == f"kpisim: error: {en}\n"


def test_missing_backtest_data_in_korean(capsys, tmp_path, monkeypatch):
    catalogs = str(kpisim.available_catalogs())
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "backtest", "--data", "nofile.csv", "--quiet")
    assert code == 2
    assert err == (f"kpisim: 오류: `--data`: 기대한 값: m1, tourism, 내장 카탈로그 {catalogs} "
                   "중 하나 또는 CSV 파일; 받은 값: 'nofile.csv'.\n")
    code, _, err = run(capsys, "backtest", "--data", "nofile.csv", "--quiet", "--lang", "en")
    assert err == (f"kpisim: error: `--data` must be m1, tourism, a built-in catalog {catalogs} "
                   "or a CSV file; got 'nofile.csv'.\n")


def test_missing_scenario_file_in_korean(capsys, tmp_path, monkeypatch):
    code, _, err = run_scenario(capsys, tmp_path, monkeypatch, "s.yaml", "name: s\nchanges: []\n")
    assert code == 0
    code, _, err = run(capsys, "run", "--catalog", "c.yaml", "--paths", "100", "--no-report",
                       "--quiet", "--scenario", "nope.yaml")
    assert (code, err) == (2, "kpisim: 오류: nope.yaml: 시나리오 파일 없음\n")


def test_invalid_yaml_scenario_frames_the_parser_detail_in_korean(capsys, tmp_path,
                                                                  monkeypatch):
    """PyYAML's own detail stays as PyYAML gives it (English); the framing is Korean."""
    code, _, err = run_scenario(capsys, tmp_path, monkeypatch, "bad.yaml", "name: x\nchanges: [\n")
    assert code == 2
    detail = ("while parsing a flow node: did not find expected node content at line 3, "
              "column 1")
    assert err == f"kpisim: 오류: bad.yaml: 올바른 YAML이 아님 ({detail})\n"
    code, _, err = run(capsys, "run", "--catalog", "c.yaml", "--paths", "100", "--no-report",
                       "--quiet", "--scenario", "bad.yaml", "--lang", "en")
    assert err == f"kpisim: error: bad.yaml: not valid YAML ({detail})\n"


def test_sweep_scenario_error_in_korean(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("c.yaml").write_text(CATALOG, encoding="utf-8")
    Path("s.yaml").write_text("name: x\nchanges: 5\n", encoding="utf-8")
    code, _, err = run(capsys, "sweep", "--catalog", "c.yaml", "--scenario", "s.yaml",
                       "--paths", "100", "--quiet")
    assert (code, err) == (2, "kpisim: 오류: s.yaml, 필드 `changes`: 기대한 값: 목록; 받은 값: 5\n")
    Path("s.yaml").write_text("name: x\nchanges: []\n", encoding="utf-8")
    argv = ["sweep", "--catalog", "c.yaml", "--scenario", "s.yaml", "--scenario", "s.yaml",
            "--paths", "100", "--quiet"]
    code, _, err = run(capsys, *argv)
    assert (code, err) == (2, "kpisim: 오류: `scenarios`의 이름이 서로 달라야 함; "
                              "'x'이(가) 두 번 나옴\n")
    code, _, err = run(capsys, *argv, "--lang", "en")
    assert err == "kpisim: error: `scenarios` labels must be distinct; 'x' appears twice\n"


def test_scenario_objects_and_checks_render_korean():
    """Errors of the Python API share the messages (names, ids and values kept)."""
    with pytest.raises(kpisim.SimulationError) as info:
        kpisim.Scenario(name="")
    assert str(info.value) == "a scenario's `name` must be a non-empty string; got ''"
    assert info.value.in_lang() == ("시나리오의 필드 `name`: 기대한 값: 비어 있지 않은 문자열; "
                                    "받은 값: ''")
    s = kpisim.Scenario(name="컷", changes=(kpisim.Change(indicator="g", growth_add=0.01),
                                           kpisim.Change(indicator="k", growth_add=0.01)))
    with pytest.raises(kpisim.SimulationError) as info:
        s.check(["g"], grades=["g"])
    assert info.value.in_lang() == (
        "시나리오 `컷`이(가) 등급 지표 ['g']을(를) 변경함: 시나리오 변경은 성장률과 "
        "수준에 작용하는데 등급에는 둘 다 없음; 이 변경을 지우세요")
    with pytest.raises(kpisim.SimulationError) as info:
        s.check(["g"], skipped={"k": _messages.Msg("errors.backtest.skip.fewer", n=2)})
    assert str(info.value) == ("scenario `컷` changes indicator(s) ['k'] that were not "
                               "simulated (k: fewer than 2 actuals); remove these changes or "
                               "give what they lack")
    assert info.value.in_lang() == ("시나리오 `컷`이(가) 시뮬레이션되지 않은 지표 ['k']을(를) "
                                    "변경함 (k: 실적 2개 미만); 이 변경을 지우거나 빠진 것을 "
                                    "채우세요")


# ---------------------------------------------------------------- the catalogue
def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_input_error_key_loads_with_korean_and_english():
    _messages._catalogue.cache_clear()  # the loader checks ko, en and placeholders
    keys = [k for k in _messages.keys()
            if k.startswith(("errors.scenario.", "errors.backtest.", "errors.join",
                             "errors.labels_distinct"))]
    assert len(keys) > 50
    for key in keys:
        ko, en = _messages.text(key, "ko"), _messages.text(key, "en")
        assert ko, key
        assert en, key
        assert _fields(ko) == _fields(en), key
        if key not in ("errors.join", "errors.scenario.at", "errors.backtest.cells",
                       "errors.backtest.why", "errors.backtest.skipped",
                       "errors.scenario.skipped_reason", "errors.backtest.series"):
            assert ko != en, key  # translated (the others only frame their fields)
        words = re.sub(r"\{[^}]*\}", "", ko)
        assert not ENGLISH.search(words), key

"""A malformed catalog's message in Korean (the CLI's default) and in English (``--lang en``).

The English text is the message of :class:`kpisim.CatalogError` as it has always been
(``str(err)``); Korean renders the same parts (file, line or row/column, indicator,
field, what was expected, what was found) with Korean words around values that are
never translated.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

import kpisim
from kpisim import _messages
from kpisim.cli import main

BASE = """indicators:
  - id: visits
    name_ko: 방문 건수
    unit: 건
    kind: count
    actual: {2021: 120, 2022: 135}
    target: {2025: 170}
"""
FIELDS = ("['actual', 'assumptions', 'bounds', 'direction', 'id', 'kind', 'name_en', 'name_ko', "
          "'provenance', 'related', 'rule', 'scale', 'scoring', 'tags', 'target', "
          "'undated_goals', 'unit']")
RULES = ("['cagr', 'deviation', 'fixed', 'increment', 'long_term_path', 'maintain', "
         "'milestone_then_growth', 'per_budget', 'previous_target_plus_sigma', 'ratio', "
         "'ratio_of_last', 'sequence', 'stated', 'uplift']")
COLUMNS = ("id, name_ko, name_en, unit, kind, direction, year, actual, target, series, value, "
           "bound_low, bound_high, scale, rule, growth_prior, growth_prior_reason, source, note, "
           "scoring_method, weight, category")
#: The table of docs/catalog-format.md: a misspelled column and a bad value, two problems.
MINE_CSV = ("id,name_ko,unit,kind,directon,year,actual,target\n"
            "visits,방문 건수,건,count,increase,2021,120,\n"
            "visits,,,,,2022,135,\n"
            "visits,,,,,2025,,170\n"
            "days,처리 기간,일,,decrease,2021,inf,\n"
            "days,,,,,2025,,10\n")

#: file name, its text, the Korean message, the English message (today's, unchanged)
CASES = [
    pytest.param(
        "a.yaml", BASE.replace("    actual:", "    actuals:"),
        f"a.yaml, 지표 `visits`: 기대한 값: {FIELDS} 필드만 (혹시 `actuals` → `actual`인가요?); "
        "받은 값: ['actuals'] (2번째 줄).",
        f"a.yaml, indicator `visits`: expected only the fields {FIELDS} (did you mean "
        "`actuals` → `actual`?); got ['actuals'] (line 2).",
        id="unknown-field"),
    pytest.param(
        "kind.yaml", BASE.replace("kind: count", "kind: cnt"),
        "kind.yaml, 지표 `visits`, 필드 `kind`: 기대한 값: ['count', 'grade', 'level', 'ratio', "
        "'share'] 중 하나; 받은 값: 'cnt' (5번째 줄).",
        "kind.yaml, indicator `visits`, field `kind`: expected one of ['count', 'grade', 'level', "
        "'ratio', 'share']; got 'cnt' (line 5).",
        id="bad-kind"),
    pytest.param(
        "year.yaml", BASE.replace("2021:", "20x1:"),
        "year.yaml, 지표 `visits`, 필드 `actual`: 기대한 값: 정수로 된 연도; 받은 값: '20x1' "
        "(6번째 줄).",
        "year.yaml, indicator `visits`, field `actual`: expected a year as an integer; "
        "got '20x1' (line 6).",
        id="bad-year"),
    pytest.param(
        "share.yaml", BASE.replace("unit: 건", "unit: '%'").replace("kind: count", "kind: share"),
        "share.yaml, 지표 `visits`, 필드 `actual.2021`: 기대한 값: [0, 100] 범위의 비율 "
        "(100을 넘으면 kind `ratio`); 받은 값: 120 (6번째 줄).",
        "share.yaml, indicator `visits`, field `actual.2021`: expected a share in [0, 100] "
        "(use kind `ratio` above); got 120 (line 6).",
        id="share-above-100"),
    pytest.param(
        "rule.yaml", BASE + "    rule: {type: cagrr, rate: 0.08}\n",
        "rule.yaml, 지표 `visits`, 필드 `rule`: 기대한 값: 올바른 규칙: 알 수 없는 규칙 유형 "
        f"'cagrr' (혹시 `cagr`인가요?); 가능한 유형: {RULES} (8번째 줄).",
        "rule.yaml, indicator `visits`, field `rule`: expected a valid rule: unknown rule type "
        f"'cagrr' (did you mean `cagr`?); expected one of {RULES} (line 8).",
        id="bad-rule"),
    pytest.param(
        "bounds.yaml", BASE + "    bounds: [10, 0]\n",
        "bounds.yaml, 지표 `visits`, 필드 `bounds`: 기대한 값: [low, high]: low < high인 "
        "유한한 숫자 두 개; 받은 값: [10, 0] (8번째 줄).",
        "bounds.yaml, indicator `visits`, field `bounds`: expected [low, high]: two finite "
        "numbers with low < high; got [10, 0] (line 8).",
        id="bad-bounds"),
    pytest.param(
        "mine.csv", MINE_CSV,
        "mine.csv: 표에 문제 2건\n"
        "  - 1행, `directon` 열: 기대한 값: 알려진 열; 혹시 `direction`인가요? "
        f"(열 목록: {COLUMNS}); 받은 값: 'directon'.\n"
        "  - 지표 `days`, 5행, `actual` 열: 기대한 값: 절댓값이 1e+15 미만인 유한한 숫자 "
        "(예: 1100, 1,100, 12.5, 1e5); 받은 값: 'inf'.",
        "mine.csv: 2 problems in the table\n"
        "  - row 1, column `directon`: expected a known column; did you mean `direction`? "
        f"(the columns are: {COLUMNS}); got 'directon'.\n"
        "  - indicator `days`, row 5, column `actual`: expected a finite number (e.g. 1100, "
        "1,100, 12.5 or 1e5) of magnitude below 1e+15; got 'inf'.",
        id="csv-two-problems"),
]

#: Words of the English framing that a Korean message must not contain.
ENGLISH = re.compile(r"\b(expected|got|indicator|field|line|row|column|problems?)\b", re.I)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("name", "text", "ko", "en"), CASES)
def test_cli_prints_the_catalog_error_in_korean_by_default(capsys, tmp_path, monkeypatch,
                                                            name, text, ko, en):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "catalog", "--catalog", name)
    assert code == 2
    assert out == ""
    assert err == f"kpisim: 오류: {ko}\n"
    assert "기대한 값: " in err
    assert not ENGLISH.search(err), err
    assert err.startswith(f"kpisim: 오류: {name}")  # the file, never translated


@pytest.mark.parametrize(("name", "text", "ko", "en"), CASES)
def test_lang_en_prints_the_english_message_unchanged(capsys, tmp_path, monkeypatch,
                                                      name, text, ko, en):
    monkeypatch.chdir(tmp_path)
    Path(name).write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "catalog", "--catalog", name, "--lang", "en")
    assert code == 2
    assert err == f"kpisim: error: {en}\n"
    with pytest.raises(kpisim.CatalogError) as info:
        kpisim.load_catalog(name)
    assert str(info.value) == en  # the exception's own message is English, as it was
    assert info.value.in_lang("en") == en
    assert info.value.in_lang("ko") == ko
    assert info.value.in_lang() == ko  # Korean by default, as everywhere


def test_korean_message_keeps_every_part(tmp_path):
    """File, line, indicator, field and the user's value are all there, untranslated."""
    path = tmp_path / "c.yaml"
    path.write_text(BASE.replace("kind: count", "kind: bogus"), encoding="utf-8")
    with pytest.raises(kpisim.CatalogError) as info:
        kpisim.load_catalog(path)
    err = info.value
    ko = err.in_lang("ko")
    assert ko.startswith(f"{path}, ")
    for part in ("지표 `visits`", "필드 `kind`", "'bogus'", "(5번째 줄)", "받은 값: "):
        assert part in ko
    assert (err.source, err.indicator, err.field, err.got, err.line) == (
        str(path), "visits", "kind", "bogus", 5)
    assert err.expected == "one of ['count', 'grade', 'level', 'ratio', 'share']"


def test_excel_cell_is_named_in_korean(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "mine.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in (["id", "year", "actual", "unit", "kind"], ["visits", 2021, 120, "건", "count"],
                ["visits", "20x2", 135, "건", "count"]):
        ws.append(row)
    wb.save(path)
    with pytest.raises(kpisim.CatalogError) as info:
        kpisim.load_catalog(path)
    assert str(info.value) == (f"{path}, indicator `visits`, row 3, column `year` (cell B3): "
                               "expected a year as an integer in 1990–2100 (e.g. 2024); "
                               "got '20x2'.")
    assert info.value.in_lang("ko") == (f"{path}, 지표 `visits`, 3행, `year` 열 (B3 셀): "
                                        "기대한 값: 1990–2100 사이의 정수 연도 (예: 2024); "
                                        "받은 값: '20x2'.")


def test_a_long_table_lists_fifty_problems_then_the_rest_in_korean(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("id,year,actual,unit,kind\n"
                    + "".join(f"v{i},20x1,3,건,count\n" for i in range(53)), encoding="utf-8")
    with pytest.raises(kpisim.CatalogError) as info:
        kpisim.load_catalog(path)
    ko = info.value.in_lang("ko").splitlines()
    assert ko[0] == f"{path}: 표에 문제 53건"
    assert len(ko) == 52
    assert ko[-1] == "  … 외 3건"
    en = str(info.value).splitlines()
    assert (en[0], en[-1]) == (f"{path}: 53 problems in the table", "  … and 3 more")


@pytest.mark.parametrize(("text", "ko"), [
    ("indicators:\n  - id: a\n    name_ko: 가\n    unit: 개\n    kind: count\n"
     "    rule: {type: cagr, rate: 8}\n",
     "기대한 값: 올바른 규칙: 규칙 `cagr`: `rate` 8은(는) 연 800 %에 해당함; 비율은 분수로 "
     "적음(8 %는 0.08): 혹시 0.08인가요?"),
    ("indicators:\n  - id: a\n    name_ko: 가\n    unit: 개\n    kind: count\n"
     "    rule: {type: cagr}\n",
     "기대한 값: 올바른 규칙: 규칙 `cagr`에 필요한 매개변수: ['rate']; 빠진 것: ['rate']"),
    ("indicators:\n  - id: a\n    name_ko: 가\n    unit: 개\n    kind: count\n"
     "    rule: {type: fixed, value: -3}\n",
     "기대한 값: 지표에 맞는 규칙: 규칙 `fixed`: 개수에는 `value`가 0 이상이어야 함; 받은 값: -3"),
    ("indicators:\n  - id: a\n    name_ko: 가\n    unit: 개\n    kind: count\n"
     "    assumptions: [{field: growth_prior, statement: s, reason: r,\n"
     "                   value: {mu: 8, mu_sd: 0.1, sigma: 0.1, dof: 3}}]\n",
     "필드 `assumptions[0].value`: 기대한 값: `mu`가 분수로 적은 연 성장률(8 %는 0.08)이고 "
     "절댓값이 1 미만인 `growth_prior` {mu, mu_sd, sigma, dof[, scale]}: 혹시 0.08인가요?; "
     "받은 값: 8 (7번째 줄)."),
    ("", "기대한 값: `indicators:` 아래에 지표가 하나 이상 있는 카탈로그; 받은 값: '빈 파일'."),
])
def test_nested_reasons_are_korean_too(tmp_path, text, ko):
    """A rule's or a growth prior's own reason is translated with the message quoting it."""
    path = tmp_path / "n.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(kpisim.CatalogError) as info:
        kpisim.load_catalog(path)
    assert ko in info.value.in_lang("ko")
    assert not ENGLISH.search(info.value.in_lang("ko").replace(str(path), ""))


def test_unreadable_catalog_file_in_korean(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_bytes("indicators:\n  - id: a\n    name_ko: 방문\n".encode("cp949"))
    with pytest.raises(kpisim.CatalogError) as info:
        kpisim.load_catalog(path)
    assert str(info.value) == (f"{path}: the catalog file is encoded as CP949/EUC-KR (Korean "
                               "Windows), not UTF-8; save it as UTF-8 (e.g. `iconv -f cp949 "
                               "-t utf-8`)")
    assert info.value.in_lang("ko") == (f"{path}: 카탈로그 파일 인코딩이 UTF-8이 아니라 "
                                        "CP949/EUC-KR(한국어 Windows)임; UTF-8로 저장하세요 "
                                        "(예: `iconv -f cp949 -t utf-8`)")


def test_in_lang_refuses_an_unknown_language():
    err = kpisim.CatalogError(source="a.yaml", indicator="x", field="kind", expected="text")
    with pytest.raises(kpisim.KpisimError, match="lang"):
        err.in_lang("fr")
    # an expected phrase that is not a catalogue message is shown as given
    assert err.in_lang("ko") == "a.yaml, 지표 `x`, 필드 `kind`: 기대한 값: text; 받은 값: None."
    assert kpisim.KpisimError("plain").in_lang("ko") == "plain"


# ---------------------------------------------------------------- the catalogue
#: The areas of the catalogue that phrase catalog errors.
ERROR_KEYS = ("expected.", "errors.catalog.", "errors.table.", "errors.got.", "errors.input.",
              "rules.")


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_error_message_key_has_korean_and_english():
    keys = [k for k in _messages.keys() if k.startswith(ERROR_KEYS)]
    assert len(keys) > 150
    for key in keys:
        ko, en = _messages.text(key, "ko"), _messages.text(key, "en")
        assert ko, key
        assert en, key
        assert _fields(ko) == _fields(en), key
    # the framing words themselves are Korean
    for key in ("errors.catalog.expected", "errors.catalog.got", "errors.catalog.line",
                "errors.table.cell", "errors.table.problems"):
        words = re.sub(r"\{[^}]*\}", "", _messages.text(key, "ko"))  # without placeholders
        assert not ENGLISH.search(words), key


def test_every_message_key_named_in_the_code_exists():
    """A misspelled key would raise KeyError while an error is being reported."""
    src = Path(kpisim.__file__).parent
    named = set()
    for path in src.rglob("*.py"):
        named |= set(re.findall(r'"((?:expected|errors|rules)\.[a-z0-9_.]+)"',
                                path.read_text(encoding="utf-8")))
    named |= {f"errors.got.sep_{name}" for name in ("semicolons", "tabs", "bars")}
    missing = sorted(named - set(_messages.keys()))
    assert not missing, missing


def test_public_unit_phrase_is_the_catalogue_english():
    from kpisim.indicator import MAX_UNIT_LENGTH, UNIT_EXPECTED

    assert _messages.Msg("expected.unit", most=MAX_UNIT_LENGTH) == UNIT_EXPECTED

"""More bad input: each refused at load with the file, the line or row, the indicator and the field.

YAML 1.1 number quirks, parse errors, ragged CSV rows, growth priors, rule
parameters out of range, messages cut in the middle, duplicate ids and
directory catalogs.
"""

from __future__ import annotations

import os
import signal
import textwrap
import warnings
from pathlib import Path

import pytest

import kpisim
from kpisim import CatalogError
from kpisim.rules import DeviationRule, PreviousTargetPlusSigma, RuleError, rule_from_dict

HEAD = """\
catalog: {name: t, title: test}
indicators:
"""

#: One indicator; ``{extra}`` adds lines to it (indented by four spaces).
INDICATOR = """\
  - id: firms
    name_ko: 기업 수
    unit: 개
    kind: count
    actual: {{2020: 900, 2021: 991, 2022: 1050}}
    target: {{2023: 1200, 2024: 1300, 2025: 1400}}
{extra}"""

GRADE = """\
  - id: grade
    name_ko: 등급
    unit: 등급
    kind: grade
    scale: [E, D, C, B, A, S]
    actual: {{2020: C, 2021: B, 2022: A}}
    target: {{2023: A, 2024: S, 2025: S}}
{extra}"""


def write(tmp_path: Path, text: str, name: str = "cat.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def catalog(tmp_path: Path, extra: str = "", body: str = INDICATOR) -> Path:
    lines = textwrap.indent(textwrap.dedent(extra).strip("\n"), "    ")
    return write(tmp_path, HEAD + body.format(extra=lines + "\n" if lines else ""))


def refused(path: Path) -> CatalogError:
    with pytest.raises(CatalogError) as info:
        kpisim.load_catalog(path)
    text = str(info.value)
    assert str(path) in text, text
    assert "Traceback" not in text
    return info.value


# ------------------------------------------------------- 1. YAML 1.1 numbers
@pytest.mark.parametrize(("value", "says"), [
    ("010", "a zero-padded number is ambiguous in YAML (read as octal 8); write 10"),
    ("-012", "read as octal -10); write -12"),
    ("1:30", "base 60 (90)"),
    ("0x10", "a hexadecimal number (read by YAML as 16); write 16"),
    ("0b11", "a binary number (read by YAML as 3); write 3"),
])
def test_yaml_octal_hex_and_base60_numbers_are_refused_with_the_line(tmp_path, value, says):
    text = HEAD + INDICATOR.format(extra="").replace("2022: 1050", f"2022: {value}")
    err = refused(write(tmp_path, text))
    assert says in str(err)
    assert f"`{value}`" in str(err)
    assert "(line 7)" in str(err)  # the `actual:` line


def test_yaml_number_quirk_as_a_year_key_is_refused(tmp_path):
    text = HEAD + INDICATOR.format(extra="").replace("2020: 900", "02020: 900")
    assert "zero-padded" in str(refused(write(tmp_path, text)))


def test_yaml_plain_numbers_keep_their_values(tmp_path):
    text = HEAD + INDICATOR.format(extra="").replace("kind: count", "kind: level")
    text = text.replace("{2020: 900, 2021: 991, 2022: 1050}",
                        "{2019: 0, 2020: -5, 2021: 1e5, 2022: 10.25}")
    text = text.replace("{2023: 1200, 2024: 1300, 2025: 1400}",
                        "{2023: 1_000, 2024: 2.5E-3, 2025: '010'}")
    with pytest.raises(CatalogError, match=r"target\.2025"):  # '010' quoted is text
        kpisim.load_catalog(write(tmp_path, text))
    ind = kpisim.load_catalog(write(tmp_path, text.replace("2025: '010'", "2025: 010.5")))["firms"]
    assert dict(ind.actuals) == {2019: 0, 2020: -5, 2021: 100000.0, 2022: 10.25}
    assert dict(ind.targets) == {2023: 1000, 2024: 0.0025, 2025: 10.5}


def test_yaml_number_quirk_in_a_csv_rule_cell_is_refused(tmp_path):
    path = tmp_path / "t.csv"
    rule = "{type: long_term_path, goal_year: 2027, goal_value: 010}"
    path.write_text(f'id,unit,kind,year,actual,rule\na,개,count,2021,5,"{rule}"\n',
                    encoding="utf-8")
    err = refused(path)
    assert "column `rule`" in str(err)
    assert "octal 8" in str(err)


# ---------------------------------------------------- 2. YAML parse errors
@pytest.mark.parametrize(("text", "says"), [
    (HEAD + "\t- id: a\n\t  unit: 개\n", "a tab"),
    (HEAD + "  - {id: a, name_ko: x\n    unit: 개\n", "flow mapping"),
])
def test_yaml_syntax_errors_name_the_file_and_line_not_unicode_string(tmp_path, text, says):
    err = refused(write(tmp_path, text, "broken.yaml"))
    assert "<unicode string>" not in str(err)
    assert "valid YAML" in str(err)
    assert says in str(err)
    assert "line 3" in str(err)
    assert "…" not in str(err)
    assert "..." not in str(err)


# --------------------------------------------------------- 3. ragged CSV rows
CSV_HEADER = "id,name_ko,unit,kind,direction,year,actual,target\n"


def test_csv_unquoted_thousands_separator_is_refused(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_text(CSV_HEADER + "a,지표,개,count,increase,2021,1,100,\n"
                    "a,,,,,2025,,2000\n", encoding="utf-8")
    err = refused(path)
    text = str(err)
    assert err.indicator == "a"
    assert err.field == "row 2"
    assert "expected 8 cells" in text
    assert "9 cells" in text
    assert "(line 2)" in text
    assert '"1,100"' in text
    assert "`1,100` looks like one number" in text


def test_csv_every_too_long_row_is_listed(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_text("id,unit,kind,year,actual\n"
                    "a,개,count,2021,1,100\n"
                    "a,개,count,2022,1,200\n", encoding="utf-8")
    err = refused(path)
    assert [p.field for p in err.problems] == ["row 2", "row 3"]


def test_csv_row_with_fewer_cells_is_refused_when_it_lacks_a_used_column(tmp_path):
    path = tmp_path / "fewer.csv"
    path.write_text(CSV_HEADER + "a,지표,개,count,increase,2021\n"
                    "a,,,,,2022,1200,\n"
                    "a,,,,,2025,,2000\n", encoding="utf-8")
    err = refused(path)
    assert err.field == "row 2"
    assert err.indicator == "a"
    assert "`actual`, `target`" in str(err)
    assert "6 cells" in str(err)


def test_csv_row_may_drop_trailing_cells_of_columns_no_row_uses(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(CSV_HEADER.replace("\n", ",note,source\n")
                    + "a,지표,개,count,increase,2021,1100,,,\n"
                    "a,,,,,2025,,2000\n", encoding="utf-8")
    ind = kpisim.load_catalog(path)["a"]
    assert dict(ind.actuals) == {2021: 1100}
    assert dict(ind.targets) == {2025: 2000}


def test_csv_quoted_thousands_and_bom_still_load(tmp_path):
    path = tmp_path / "bom.csv"
    text = CSV_HEADER + 'a,지표,개,count,increase,2021,"1,100",\na,,,,,2025,,"2,000"\n'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ind = kpisim.load_catalog(path)["a"]
    assert ind.actuals[2021] == 1100
    assert ind.targets[2025] == 2000
    path.write_bytes(text.encode("cp949"))
    assert "CP949" in str(refused(path))


# ------------------------------------------------------------ 4. growth priors
@pytest.mark.parametrize(("value", "says", "got"), [
    ("{mu: 0.08, mu_sd: -1, sigma: 0.1, dof: 3}", "`mu_sd` is a finite number > 0", "-1"),
    ("{mu: 0.08}", "missing mu_sd, sigma, dof", "{'mu': 0.08}"),
    ("{mu: 0.08, mu_sd: 0.05, sigma: 0.1, dof: 0}", "`dof` is a finite number > 0", "got 0"),
    ("'8%'", "as a mapping", "'8%'"),
    ("{mu: 0.08, mu_sd: 0.05, sigma: 0, dof: 3}", "`sigma` is a finite number > 0", "got 0"),
    ("{mu: 8, mu_sd: 0.05, sigma: 0.1, dof: 3}", "did you mean 0.08?", "got 8"),
    ("{mu: 0.08, mu_sd: 0.05, sigma: 0.1, dof: 3, scale: ln}", "`log` or `logit`", "'ln'"),
    ("{mu: 0.08, mu_sd: 0.05, sigma: 0.1, dof: 3, sd: 1}", "only the keys", "['sd']"),
])
def test_bad_yaml_growth_prior_is_refused_at_load(tmp_path, value, says, got):
    path = catalog(tmp_path, "assumptions:\n  - {field: growth_prior, statement: s, reason: r, "
                   f"value: {value}}}")
    err = refused(path)
    text = str(err)
    assert err.indicator == "firms"
    assert err.field == "assumptions[0].value"
    assert "`growth_prior`" in text
    assert says in text
    assert got in text
    assert "(line 10)" in text  # the assumption's line
    assert "__init__" not in text
    assert "keyword" not in text


def test_good_yaml_growth_prior_loads(tmp_path):
    path = catalog(tmp_path, "assumptions:\n  - {field: growth_prior, statement: s, reason: r, "
                   "value: {mu: 0.08, mu_sd: 0.05, sigma: 0.1, dof: 3}}")
    assert kpisim.load_catalog(path)["firms"].assumptions[0].value["mu"] == 0.08


@pytest.mark.parametrize(("cell", "says"), [
    ("{mu: 0.08}", "missing mu_sd, sigma, dof"),
    ("{mu: 0.08, mu_sd: 0.05, sigma: 0, dof: 3}", "`sigma` is a finite number > 0"),
    ("'8%'", "as a mapping"),
])
def test_bad_csv_growth_prior_names_row_and_column(tmp_path, cell, says):
    path = tmp_path / "prior.csv"
    path.write_text("id,unit,kind,year,actual,growth_prior,growth_prior_reason\n"
                    f'd,개,count,2021,5,"{cell}",why\n', encoding="utf-8")
    err = refused(path)
    assert err.indicator == "d"
    assert err.field == "row 2, column `growth_prior`"
    assert says in str(err)
    assert "__init__" not in str(err)
    assert "keyword-only" not in str(err)


# ----------------------------------------------------------- 5. long-term path
def test_long_term_goal_before_the_base_year_is_refused_at_load(tmp_path):
    path = catalog(tmp_path, "rule: {type: long_term_path, goal_year: 2000, goal_value: 70}")
    err = refused(path)
    assert err.indicator == "firms"
    assert err.field == "rule"
    assert "`goal_year` (2000) must be after the base year 2022" in str(err)
    assert "(line 9)" in str(err)


def test_long_term_goal_after_the_base_year_loads(tmp_path):
    path = catalog(tmp_path, "rule: {type: long_term_path, goal_year: 2027, goal_value: 1500}")
    assert kpisim.load_catalog(path)["firms"].rule.goal_year == 2027


# ------------------------------------------------------ 6. rule parameters
@pytest.mark.parametrize(("rule", "says"), [
    ("{type: deviation, k: 2, ddof: 5}", "`ddof` must be 0, 1 or 2"),
    ("{type: deviation, k: 2, ddof: 3, window: 4}", "`ddof` must be 0, 1 or 2"),
    ("{type: deviation, k: 2, window: 1}", "`window` must be at least 3"),
    ("{type: deviation, k: 2, window: 2}", "`window` must be at least 3"),
    ("{type: previous_target_plus_sigma, window: 2, ddof: 2}", "`ddof` must be 0 or 1"),
    ("{type: per_budget, ratio: 1.3, budget: {2023: -900, 2024: 1000}}",
     "`budget[2023]` must be an amount > 0"),
    ("{type: per_budget, ratio: 1.3, budget: {2023: 0}}", "`budget[2023]` must be an amount > 0"),
    ("{type: per_budget, ratio: -1.3, budget: {2023: 900}}", "`ratio` must be ≥ 0"),
    ("{type: fixed, value: abc}", "`value` must be a number for a `count` indicator"),
    ("{type: fixed, value: -5}", "`value` must be ≥ 0 for a count"),
    ("{type: cagr, rate: 8}", "did you mean 0.08?"),
    ("{type: cagr, rate: 1e10}", "rates are fractions (0.08 for 8 %)"),
    ("{type: uplift, rate: 50, basis: previous_target}", "did you mean 0.5?"),
    ("{type: milestone_then_growth, year: 2024, value: 1200, rate: 10}", "did you mean 0.1?"),
    ("{type: sequence, parts: [{from: 2023, rule: {type: cagr, rate: 3}}]},",
     "parts[0].rule: rule `cagr`: `rate` 3"),
])
def test_rule_parameter_out_of_range_is_refused_at_load(tmp_path, rule, says):
    err = refused(catalog(tmp_path, f"rule: {rule.rstrip(',')}"))
    assert err.indicator == "firms"
    assert err.field == "rule"
    assert says in str(err), str(err)
    assert "(line 9)" in str(err)


@pytest.mark.parametrize(("rule", "says"), [
    ("{type: fixed, value: SS}", "a grade on the indicator's scale ['E', 'D', 'C', 'B', 'A', 'S']; "
                                 "got 'SS'"),
    ("{type: fixed, value: 5}", "a grade on the indicator's scale"),
])
def test_fixed_grade_must_be_on_the_scale(tmp_path, rule, says):
    err = refused(catalog(tmp_path, f"rule: {rule}", body=GRADE))
    assert err.indicator == "grade"
    assert err.field == "rule"
    assert says in str(err)


def test_fixed_values_that_fit_load(tmp_path):
    assert kpisim.load_catalog(catalog(tmp_path, "rule: {type: fixed, value: 0}"))
    assert kpisim.load_catalog(catalog(tmp_path, "rule: {type: fixed, value: A}", body=GRADE))
    share = INDICATOR.replace("unit: 개", "unit: '%'").replace("kind: count", "kind: share")
    share = share.replace("{{2020: 900, 2021: 991, 2022: 1050}}", "{{2022: 50}}").replace(
        "{{2023: 1200, 2024: 1300, 2025: 1400}}", "{{2023: 60}}")
    with pytest.raises(CatalogError, match=r"a share in \[0, 100\]"):
        kpisim.load_catalog(catalog(tmp_path, "rule: {type: fixed, value: 120}", body=share))


def test_deviation_ddof_at_the_history_no_longer_divides_by_zero():
    with pytest.raises(RuleError, match="`ddof` must be 0, 1 or 2"):
        DeviationRule(ddof=3)
    with pytest.raises(RuleError, match="`ddof` must be 0"):
        PreviousTargetPlusSigma(window=1, ddof=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no numpy RuntimeWarning
        assert DeviationRule(ddof=2).highest([100, 105, 108]) > 108


def test_rules_built_in_code_keep_their_range():
    # a computed rate may exceed 100 % a year, and the rule takes a short window, in code
    assert rule_from_dict({"type": "cagr", "rate": 0.5}).rate == 0.5
    assert DeviationRule(window=2).lookback == 3
    assert kpisim.rules.CAGR.joining(1, 2020, 100, 2022).rate == pytest.approx(9.0)


@pytest.mark.parametrize("name", kpisim.available_catalogs())
def test_built_in_catalogs_still_load(name):
    assert len(kpisim.load_catalog(name)) > 0


# -------------------------------------------------- 7. messages shown whole
@pytest.mark.parametrize(("rule", "says"), [
    ("{type: milestone_then_growth, value: 2000, year: 2024}",
     "needs ['rate', 'value', 'year']; missing ['rate']"),
    ("{type: cagr, rat: 0.08}", "does not take ['rat'] (`rat`: did you mean `rate`?); it takes"),
    ("{type: cagr, rate: 0.08, speed: 1}",
     "it takes ['base_year', 'interpretation', 'rate', 'rounding', 'text', 'type']"),
    ("{type: cagrr, rate: 0.08}", "unknown rule type 'cagrr' (did you mean `cagr`?)"),
    ("{type: cagrr, rate: 0.08}", "'sequence', 'stated', 'uplift']"),
])
def test_rule_errors_are_not_cut_in_the_middle(tmp_path, rule, says):
    err = refused(catalog(tmp_path, f"rule: {rule}"))
    assert err.field == "rule"
    assert says in str(err), str(err)
    assert "..." not in str(err)
    assert "…" not in str(err)


def test_csv_rule_errors_are_not_cut_in_the_middle(tmp_path):
    path = tmp_path / "rule.csv"
    path.write_text("id,unit,kind,year,actual,rule\n"
                    'a,개,count,2021,5,"{type: milestone_then_growth, year: 2024}"\n'
                    "b,개,count,2021,5,{type: cagr rate: 0.08}\n", encoding="utf-8")
    err = refused(path)
    first, second = (str(p) for p in err.problems)
    assert "column `rule`" in first
    assert "missing ['rate', 'value']" in first
    assert "column `rule`" in second
    assert "not valid YAML" in second
    assert "<unicode string>" not in second
    assert "…" not in second
    assert "column 17" in second


# ------------------------------------------------------------ 8. duplicate ids
def test_duplicate_id_names_both_lines(tmp_path):
    text = HEAD + INDICATOR.format(extra="") + INDICATOR.format(extra="")
    err = refused(write(tmp_path, text))
    assert err.field == "id"
    assert err.indicator == "firms"
    assert "already defined in" in str(err)
    assert "line 3" in str(err)
    assert err.line == 9
    assert "(line 9)" in str(err)


def test_duplicate_id_across_files_names_the_first_file_and_line(tmp_path):
    (tmp_path / "a.yaml").write_text("indicators:\n" + INDICATOR.format(extra=""),
                                     encoding="utf-8")
    (tmp_path / "b.yaml").write_text("indicators:\n" + INDICATOR.format(extra=""),
                                     encoding="utf-8")
    err = refused(tmp_path)
    assert f"already defined in {tmp_path / 'a.yaml'}, line 2" in str(err)
    assert err.source == str(tmp_path / "b.yaml")


# ------------------------------------------------------- 9. directory catalogs
def test_directory_reads_yml_files(tmp_path):
    (tmp_path / "catalog.yaml").write_text("catalog: {name: d, title: t}\n", encoding="utf-8")
    (tmp_path / "a.yml").write_text("indicators:\n" + INDICATOR.format(extra=""),
                                    encoding="utf-8")
    cat = kpisim.load_catalog(tmp_path)
    assert list(cat) == ["firms"]
    assert cat.name == "d"


def test_directory_skips_hidden_files(tmp_path):
    (tmp_path / "a.yaml").write_text("indicators:\n" + INDICATOR.format(extra=""),
                                     encoding="utf-8")
    (tmp_path / ".backup.yaml").write_text("indicators:\n" + INDICATOR.format(extra=""),
                                           encoding="utf-8")
    (tmp_path / ".swp.yaml").write_text("not: [valid", encoding="utf-8")
    assert list(kpisim.load_catalog(tmp_path)) == ["firms"]


def test_directory_without_catalog_files_says_what_it_holds(tmp_path):
    (tmp_path / "catalog.yaml").write_text("catalog: {name: d, title: t}\n", encoding="utf-8")
    (tmp_path / "a.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    err = refused(tmp_path)
    text = str(err)
    assert "*.yaml or *.yml" in text
    assert "a.json, notes.txt" in text
    assert "catalog.yaml" in text


def test_directory_with_only_a_catalog_yml_holding_indicators_loads(tmp_path):
    (tmp_path / "catalog.yml").write_text(HEAD + INDICATOR.format(extra=""), encoding="utf-8")
    assert list(kpisim.load_catalog(tmp_path)) == ["firms"]


# --------------------------------------------------------------- no hangs
@pytest.mark.skipif(not hasattr(os, "mkfifo") or not hasattr(signal, "alarm"),
                    reason="needs named pipes and SIGALRM")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    path = tmp_path / "pipe.yaml"
    os.mkfifo(path)

    def hung(*_):
        raise TimeoutError("load_catalog waited on a named pipe")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        assert "named pipe" in str(refused(path))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(("sep", "name"), [(";", "semicolons"), ("\t", "tabs")])
def test_a_csv_with_another_separator_is_named(tmp_path, sep, name):
    path = tmp_path / "c.csv"
    header = sep.join(["id", "name_ko", "unit", "kind", "direction", "year", "actual", "target"])
    path.write_text(header + "\n" + sep.join(["a", "지표", "개", "count", "increase", "2021",
                                               "1100", ""]) + "\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=f"separated by {name}"):
        kpisim.load_catalog(path)


def test_a_yaml_merge_key_overrides_and_is_not_a_duplicate(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent("""\
        catalog: {name: t}
        indicators:
          - &x
            id: a
            name_ko: 지표
            unit: 개
            kind: count
            actual: {2021: 10, 2022: 12}
            target: {2025: 20}
          - <<: *x
            id: b
        """), encoding="utf-8")
    cat = kpisim.load_catalog(path)
    assert list(cat) == ["a", "b"]
    assert cat["b"].targets == cat["a"].targets
    path.write_text("catalog: {name: t}\nindicators:\n  - {id: a, id: b}\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate key 'id'"):
        kpisim.load_catalog(path)

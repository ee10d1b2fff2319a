"""The `kpisim` command: outputs, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kpisim.cli import main
from kpisim.cli._progress import Progress


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_catalog_lists_every_indicator(capsys):
    code, out, _ = run(capsys, "catalog")
    assert code == 0
    assert "AI전문기업 육성" in out
    assert "ai_firms" in out
    assert "지표 80개 (핵심 목표 4개)" in out  # Korean by default
    from kpisim._summary import display_width

    rows = [x for x in out.splitlines() if x.startswith(("ai_firms ", "sw_adoption_rate "))]
    # Hangul names padded by display width: the kind column starts at one column
    starts = {display_width(x[: x.index(k)]) for x in rows for k in (" count ", " share ")
              if k in x}
    assert len(rows) == 2
    assert len(starts) == 1
    code, out, _ = run(capsys, "catalog", "--lang", "en")
    assert "80 indicators (4 headline)" in out


def test_catalog_json_is_parseable(capsys):
    code, out, _ = run(capsys, "catalog", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows} >= {"ai_firms", "ict_sw_exports", "sw_adoption_rate"}


def test_run_prints_headline_goals_first(capsys, tmp_path):
    code, out, _ = run(capsys, "run", "--paths", "4096", "--out", str(tmp_path), "--no-report")
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip()]
    assert "달성확률" in lines[0]
    body = lines[2:9]
    assert all(line.lstrip().startswith("★") for line in body[:7])
    assert "AI전문기업 육성" in body[0]


def test_run_csv_has_probabilities(capsys, tmp_path):
    code, out, _ = run(capsys, "run", "--paths", "4096", "--format", "csv", "--no-report")
    assert code == 0
    header = out.splitlines()[0].split(",")
    assert {"id", "year", "target", "prob", "se", "progress_class"} <= set(header)


def test_audit_table_and_csv(capsys):
    code, out, _ = run(capsys, "audit")
    assert code == 0
    assert "핵심 경영목표" in out  # Korean by default
    code, out, _ = run(capsys, "audit", "--lang", "en")
    assert code == 0
    assert "Headline goals: implied growth" in out
    assert "regional_digital_new_jobs" in out
    code, out, _ = run(capsys, "audit", "--format", "csv")
    assert code == 0
    assert out.startswith("id,")


def test_bad_catalog_exits_2_with_one_line(capsys):
    code, _, err = run(capsys, "catalog", "--catalog", "no/such.yaml")
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("kpisim: 오류: no/such.yaml")  # Korean by default
    assert "Traceback" not in err
    code, _, err = run(capsys, "catalog", "--catalog", "no/such.yaml", "--lang", "en")
    assert code == 2
    assert err.startswith("kpisim: error: no/such.yaml")


def test_malformed_catalog_exits_2_naming_the_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - {id: a, name_ko: 가, unit: 개, kind: count, "
                   "actual: {2021: -1}}\n", encoding="utf-8")
    code, _, err = run(capsys, "run", "--catalog", str(bad), "--paths", "100")
    assert code == 2
    assert "지표 `a`, 필드 `actual.2021`" in err  # Korean by default
    assert err == (f"kpisim: 오류: {bad}, 지표 `a`, 필드 `actual.2021`: 기대한 값: 0 이상의 개수; "
                   "받은 값: -1 (2번째 줄).\n")
    code, _, err = run(capsys, "run", "--catalog", str(bad), "--paths", "100", "--lang", "en")
    assert code == 2
    assert "indicator `a`, field `actual.2021`" in err


def test_bad_scenario_exits_2(capsys, tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: typo\nchanges:\n  - {indicator: ai_firm, growth_add: 0.1}\n",
                    encoding="utf-8")
    code, _, err = run(capsys, "run", "--paths", "100", "--scenario", str(scen), "--no-report")
    assert code == 2
    assert "알 수 없는 지표 ['ai_firm']" in err  # Korean by default
    code, _, err = run(capsys, "run", "--paths", "100", "--scenario", str(scen), "--no-report",
                       "--lang", "en")
    assert code == 2
    assert "unknown indicator(s) ['ai_firm']" in err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as info:
        main(["run", "--paths", "many"])
    assert info.value.code == 2


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "kpisim.cli", "--version"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert out.stdout.startswith("kpisim ")


def test_python_dash_m_kpisim_runs_the_cli():
    # the process boundary is the point: `python -m kpisim` needs kpisim/__main__.py
    out = subprocess.run([sys.executable, "-m", "kpisim", "--version"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("kpisim ")


def test_csv_and_json_write_no_report(capsys, tmp_path):
    for fmt in ("csv", "json"):
        code, out, _ = run(capsys, "run", "--paths", "4096", "--format", fmt,
                           "--out", str(tmp_path))
        assert code == 0
        assert out.strip()
    assert not (tmp_path / "kpisim-report.html").exists()


def test_quiet_prints_only_the_table(capsys, tmp_path):
    code, out, err = run(capsys, "run", "--paths", "4096", "--quiet", "--no-report",
                         "--lang", "en")
    assert code == 0
    assert err == ""
    assert "P(met)" in out.splitlines()[0]  # the table's header, nothing above it
    assert "AI specialist firms" in out
    # none of the notes, what-ifs or assumption lists that the default run adds
    for note in ("not simulated:", "Headline goals:", "What the headline probabilities assume"):
        assert note not in out
    code, loud, _ = run(capsys, "run", "--paths", "4096", "--no-report")
    assert "핵심 목표:" in loud
    assert "시뮬레이션하지 않은 지표" in loud


def test_progress_is_silent_off_a_terminal(capsys):
    # capsys' stderr is not a terminal: no bar, whatever --quiet says
    code, _, err = run(capsys, "run", "--paths", "4096", "--no-report")
    assert code == 0
    assert "%|" not in err
    assert "\r" not in err


def test_progress_phases_on_a_terminal(monkeypatch):
    import io


    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    monkeypatch.setattr(sys, "stderr", stream)
    progress = Progress(quiet=False, lang="en")
    progress.fitting(0, 2)
    progress.fitting(1, 2)
    progress(4096, 8192)
    progress(8192, 8192)
    progress.close()
    text = stream.getvalue()
    for shown in ("fitting", "indicators", "simulating", "8.19k", "paths"):
        assert shown in text
    quiet = Progress(quiet=True, lang="en")
    quiet(1, 2)
    quiet.close()
    assert stream.getvalue() == text  # --quiet: nothing more


def test_backtest_csv_errors_name_the_row_and_column(capsys, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("series_id,year,value\na,2020,1\na,2021,abc\n", encoding="utf-8")
    code, _, err = run(capsys, "backtest", "--data", str(bad), "--paths", "100",
                       "--models", "naive")
    assert code == 2
    assert "3행, `value` 열" in err  # Korean by default
    code, _, err = run(capsys, "backtest", "--data", str(bad), "--paths", "100",
                       "--models", "naive", "--lang", "en")
    assert code == 2
    assert "row 3, column `value`" in err
    assert "Traceback" not in err
    short = tmp_path / "short.csv"
    short.write_text("series_id,year,value\na,2020,1\na,2021,2\n", encoding="utf-8")
    code, _, err = run(capsys, "backtest", "--data", str(short), "--paths", "100",
                       "--models", "naive", "--lang", "en")
    assert code == 2
    assert "no forecast could be scored" in err
    assert "fewer than" in err


def test_template_into_a_place_that_takes_no_file_exits_2(capsys):
    code, _, err = run(capsys, "template", "--out", "/proc/kpisim-template.xlsx")
    assert code == 2
    assert "/proc/kpisim-template.xlsx" in err
    assert "internal error" not in err


def test_run_says_why_each_indicator_was_left_out(capsys, tmp_path):
    cat = tmp_path / "c.yaml"
    cat.write_text(
        "catalog: {name: t}\nindicators:\n"
        "  - {id: ok, name_ko: 정상, unit: 개, kind: count, actual: {2021: 10, 2022: 12},"
        " target: {2025: 20, 2040: 40}}\n"
        "  - {id: zeros, name_ko: 영, unit: 개, kind: count, actual: {2021: 0, 2022: 0},"
        " target: {2025: 5}}\n", encoding="utf-8")
    code, out, _ = run(capsys, "run", "--catalog", str(cat), "--paths", "2000", "--no-report",
                       "--lang", "en")
    assert code == 0
    assert "zeros" in out
    assert "positive values" in out
    assert "ok (2040)" in out  # a target after --until is named


def test_sweep_with_no_target_in_the_year_says_so(capsys):
    code, _, err = run(capsys, "sweep", "--paths", "2000", "--year", "2040")
    assert code == 2
    assert "no simulated indicator has a stated target in 2040" in err


def test_an_option_given_twice_is_refused(capsys):
    with pytest.raises(SystemExit) as e:
        main(["run", "--catalog", "a", "--catalog", "b"])
    assert e.value.code == 2
    assert "--catalog given more than once" in capsys.readouterr().err


def test_run_checks_paths_and_excel_before_simulating(capsys, tmp_path):
    code, _, err = run(capsys, "run", "--paths", str(10**12), "--lang", "en")
    assert code == 2
    assert "--yes does not lift this" in err
    code, _, err = run(capsys, "run", "--excel", str(tmp_path / "x.csv"), "--no-report")
    assert code == 2
    assert ".xlsx" in err
    code, _, err = run(capsys, "run", "--paths", "3000000", "--lang", "en")
    assert code == 2
    assert "about 0 min" not in err


def test_backtest_scores_the_default_model_by_default(capsys):
    """`kpisim backtest` tested loggrowth (0.1's model) and naive by default,
    not refgrowth, the model every other command uses."""
    code, out, err = run(capsys, "backtest", "--data", "nipa_2023_2027", "--paths", "50",
                         "--format", "csv")
    assert code == 0
    models = {line.split(",")[0] for line in out.strip().splitlines()[1:]}
    assert models == {"refgrowth", "naive", "naive0"}
    assert "in-sample" not in err  # the note is for M1 and Tourism, the prior's corpus


def test_backtest_says_when_a_models_means_are_dominated_by_heavy_tails(capsys):
    """loggrowth on 3 actuals is a t with 1 dof: its mean CRPS printed as 10¹⁷
    with no word of why; the note names the model and the columns to read."""
    code, out, err = run(capsys, "backtest", "--data", "nipa_2023_2027", "--paths", "100",
                         "--models", "loggrowth,naive", "--format", "csv", "--lang", "en")
    assert code == 0
    assert out.startswith("model,")  # the table itself is unchanged, on stdout
    assert "of loggrowth's forecasts look like a predictive with no finite mean" in err
    assert "naive's" not in err  # the random walk has finite moments: no note
    assert "crps_log" in err
    code, _, err = run(capsys, "backtest", "--data", "nipa_2023_2027", "--paths", "100",
                       "--models", "loggrowth", "--format", "csv")
    assert "평균이 유한하지 않은" in err  # Korean by default
    code, _, err = run(capsys, "backtest", "--data", "nipa_2023_2027", "--paths", "100",
                       "--models", "loggrowth", "--format", "csv", "--quiet")
    assert err == ""


def test_a_table_with_several_problems_lists_one_per_line(capsys, tmp_path):
    bad = tmp_path / "mine.csv"
    bad.write_text("id,name_ko,unit,kind,directon,year,actual,target\n"
                   "visits,방문,명,count,,2022,135,\n"
                   "days,처리 기간,일,,decrease,2021,inf,\n", encoding="utf-8")
    code, _, err = run(capsys, "run", "--catalog", str(bad), "--no-report")
    assert code == 2
    lines = err.rstrip("\n").split("\n")
    assert lines[0].endswith("표에 문제 2건")  # Korean by default
    assert lines[1].startswith("  - 1행, `directon` 열")
    assert lines[2].startswith("  - 지표 `days`, 3행, `actual` 열")
    code, _, err = run(capsys, "run", "--catalog", str(bad), "--no-report", "--lang", "en")
    assert code == 2
    lines = err.rstrip("\n").split("\n")
    assert lines[0].endswith("2 problems in the table")
    assert lines[1].startswith("  - row 1, column `directon`")
    assert lines[2].startswith("  - indicator `days`, row 3, column `actual`")
    assert "Traceback" not in err


def test_scores_asked_for_but_none_possible_says_so(capsys):
    code, out, _ = run(capsys, "run", "--catalog", "regional_digital", "--scores",
                       "--no-report", "--paths", "4096")
    assert code == 0
    assert "평점을 계산할 수 있는 주요 성과지표가 없습니다" in out


def test_a_template_gets_the_usual_file_permissions(capsys, tmp_path):
    import os
    import stat

    out = tmp_path / "t.csv"
    assert run(capsys, "template", "--out", str(out), "--quiet")[0] == 0
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask  # was 0600 (mkstemp's)


def test_a_scenario_table_names_a_grade_target(capsys, tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text('scenarios:\n  - name: cut\n    changes:\n      - indicator: "*"\n'
                    '        growth_add: -0.02\n', encoding="utf-8")
    code, out, _ = run(capsys, "run", "--scenario", str(scen), "--no-report",
                       "--paths", "4096", "--lang", "en")
    assert code == 0
    block = out[out.index("cut"):]
    line = next(x for x in block.splitlines() if x.startswith("External evaluation"))
    assert "최우수" in line  # the target grade, not "–"


def test_the_sweep_table_prints_percentages_and_grade_names(capsys):
    code, out, _ = run(capsys, "sweep", "--paths", "1024", "--year", "2030", "--quiet")
    assert code == 0
    line = next(x for x in out.splitlines() if "external_evaluation" in x)
    assert "최우수" in line  # was the scale index 4.0
    assert line.rstrip().endswith("%")


def test_the_english_audit_names_indicators_in_english(capsys):
    code, out, _ = run(capsys, "audit", "--lang", "en")
    assert code == 0
    assert "ai_firms (AI specialist firms fostered)" in out
    assert "AI전문기업 육성" not in out  # name_en exists: no Korean name in English


@pytest.mark.parametrize("argv", [["report", "--format", "csv", "--paths", "1024"],
                                  ["backtest", "--catalog", "nipa_2023_2027", "--paths", "50"]])
def test_options_a_command_would_ignore_are_refused(capsys, argv):
    code, _, err = run(capsys, *argv, "--lang", "en")
    assert code == 2
    assert ("does not apply" in err) or ("does not read --catalog" in err)

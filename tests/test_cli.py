"""The `kpisim` command: outputs, formats and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kpisim.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_catalog_lists_every_indicator(capsys):
    code, out, _ = run(capsys, "catalog")
    assert code == 0
    assert "AI전문기업 육성" in out
    assert "ai_firms" in out
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
    assert err.startswith("kpisim: error: no/such.yaml")
    assert "Traceback" not in err


def test_malformed_catalog_exits_2_naming_the_field(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("indicators:\n  - {id: a, name_ko: 가, unit: 개, kind: count, "
                   "actual: {2021: -1}}\n", encoding="utf-8")
    code, _, err = run(capsys, "run", "--catalog", str(bad), "--paths", "100")
    assert code == 2
    assert "indicator `a`, field `actual.2021`" in err


def test_bad_scenario_exits_2(capsys, tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text("name: typo\nchanges:\n  - {indicator: ai_firm, growth_add: 0.1}\n",
                    encoding="utf-8")
    code, _, err = run(capsys, "run", "--paths", "100", "--scenario", str(scen), "--no-report")
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

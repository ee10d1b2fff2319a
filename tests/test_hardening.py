"""Hardened inputs and outputs (issue 15): one table per class of failure.

Every bad input must end in a :class:`kpisim.KpisimError` (exit 2 at the CLI)
naming the file / indicator / field, fast, with a short message; never a
traceback, a hang, a silent NaN/inf or a live spreadsheet formula.
"""

from __future__ import annotations

import math
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpisim
from kpisim import CatalogError, KpisimError, SimulationError
from kpisim._safeio import (
    MAX_YAML_DEPTH,
    OutputError,
    atomic_write,
    neutralise_cell,
    read_text,
    short_repr,
)
from kpisim.cli import main
from kpisim.indicator import Indicator, Tags
from kpisim.scenarios import Change, Scenario, compare, load_scenario, sensitivity

GOOD = """\
indicators:
  - id: visits
    name_ko: 방문 건수
    unit: 건
    kind: count
    actual: {2019: 100, 2020: 110, 2021: 121, 2022: 133}
    target: {2025: 170}
"""

BOMB = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *[
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        ],
        "indicators: [{id: *i}]",
    ]
)

# (case, YAML text, a phrase the one-line message must hold)
BAD_YAML = [
    ("alias bomb", BOMB, "alias"),
    ("deep lists", "[" * 100_000 + "]" * 100_000, "nested more than"),
    ("deep mappings", "a: " + "{a: " * 100_000 + "1" + "}" * 100_000, "nested more than"),
    ("unhashable key", "? [a, b]\n: 1\n", "mapping key must be a plain value"),
    ("401-digit integer", GOOD.replace("133}", "1" + "0" * 400 + "}"), "magnitude at most"),
    ("1e308 overflows a path", GOOD.replace("133}", "1e308}"), "magnitude at most"),
    ("empty document", "", "an empty file"),
    ("only comments", "# nothing\n", "an empty file"),
    ("indicators: null", "indicators:\n", "at least one indicator"),
    ("top-level list", "- 1\n- 2\n", "a mapping with `indicators:`"),
    ("scalar document", "5\n", "a mapping with `indicators:`"),
    ("duplicate key", GOOD + "indicators: []\n", "duplicate key"),
    ("syntax error", "indicators: [\n", "valid YAML"),
    ("two documents", GOOD + "---\n" + GOOD, "valid YAML"),
    ("infinite value", GOOD.replace("133}", ".inf}"), "finite"),
    ("year as float", GOOD.replace("2022: 133", "2022.5: 133"), "year"),
    ("bool value", GOOD.replace("133}", "true}"), "number"),
    ("unknown kind", GOOD.replace("kind: count", "kind: bogus"), "kind"),
    ("unknown direction", GOOD.replace("kind: count", "kind: count\n    direction: sideways"),
     "direction"),
    ("python tag", GOOD.replace("kind: count", "kind: !!python/object:os.system x"), "YAML"),
    ("binary", "indicators: [\x00]", "NUL|x0000"),
]


@pytest.mark.parametrize(("case", "text", "phrase"), BAD_YAML, ids=[c[0] for c in BAD_YAML])
def test_bad_yaml_is_one_short_catalog_error(case, text, phrase, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    for load in (lambda: kpisim.Catalog.from_yaml(text, source="c.yaml"),
                 lambda: kpisim.load_catalog(path)):
        start = time.monotonic()
        with pytest.raises(CatalogError) as info:
            load()
        assert time.monotonic() - start < 5, case
        message = str(info.value)
        assert re.search(phrase, message), message
        assert "c.yaml" in message
        assert len(message) < 1000
        assert "\n" not in message


@pytest.mark.parametrize(
    ("case", "data", "phrase"),
    [
        ("CP949", GOOD.replace("방문 건수", "방문 건수").encode("cp949"), "CP949/EUC-KR"),
        ("UTF-16", GOOD.encode("utf-16"), "UTF-16"),
        ("Latin-1 bytes", b"indicators: [\xff\xfe\xfa]", "not UTF-8"),
        ("too large", b"#" * 200, "larger than"),
    ],
)
def test_file_encodings_and_sizes_are_named(case, data, phrase, tmp_path, monkeypatch):
    import kpisim._safeio as safeio

    monkeypatch.setattr(safeio, "MAX_FILE_BYTES", 100 if case == "too large" else 10**6)
    path = tmp_path / "c.yaml"
    path.write_bytes(data)
    with pytest.raises(CatalogError, match=phrase):
        kpisim.load_catalog(path)


def test_utf8_bom_and_yaml12_floats_load(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.replace("133}", "1.33e2}").encode())
    ind = kpisim.load_catalog(path)["visits"]
    assert ind.actuals[2022] == 133.0
    assert isinstance(ind.actuals[2022], float)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_devices_are_read_with_a_cap(device, monkeypatch):
    import kpisim._safeio as safeio

    if not Path(device).exists():
        pytest.skip(f"no {device}")
    monkeypatch.setattr(safeio, "MAX_FILE_BYTES", 1 << 20)
    start = time.monotonic()
    with pytest.raises(CatalogError):
        kpisim.load_catalog(device)
    assert time.monotonic() - start < 5


def test_dev_null_and_directories(tmp_path):
    if Path("/dev/null").exists():
        with pytest.raises(CatalogError, match="an empty file"):
            kpisim.load_catalog("/dev/null")
    with pytest.raises(CatalogError, match="a directory holding"):
        kpisim.load_catalog(tmp_path)
    with pytest.raises(CatalogError, match="directory"):
        read_text(tmp_path)


def test_short_repr_is_bounded_for_huge_and_hostile_values():
    class Hostile:
        def __repr__(self):
            raise RuntimeError("no")

    nested: list = []
    for _ in range(10_000):
        nested = [nested]
    for value in (["x"] * 10**6, "y" * 10**6, 10**5000, nested, Hostile()):
        assert len(short_repr(value)) < 200


# ------------------------------------------------------------------ Indicator
BASE = {"id": "x", "name_ko": "지표", "unit": "개", "kind": "count",
        "actuals": {2020: 1.0, 2021: 2.0}, "targets": {2025: 5.0}}

BAD_INDICATORS = [
    ({"kind": "bogus"}, "kind"),
    ({"direction": "sideways"}, "direction"),
    ({"kind": "bogus", "direction": "sideways"}, "kind"),
    ({"id": "Not Snake"}, "snake_case"),
    ({"id": 5}, "snake_case"),
    ({"name_ko": ""}, "name_ko"),
    ({"name_ko": None}, "name_ko"),
    ({"unit": "a\tb"}, "unit"),  # the vocabulary is open, but a unit is one line of text
    ({"actuals": {2020.5: 1.0}}, "years as integers"),
    ({"actuals": {True: 1.0}}, "years as integers"),
    ({"actuals": {1800: 1.0}}, "a year in"),
    ({"actuals": {2020: float("nan")}}, "finite"),
    ({"actuals": {2020: float("inf")}}, "finite"),
    ({"actuals": {2020: True}}, "finite"),
    ({"actuals": {2020: "12"}}, "finite"),
    ({"actuals": {2020: 1e308}}, "magnitude"),
    ({"actuals": {2020: 10**400}}, "magnitude"),
    ({"actuals": {2020: -1.0}}, "non-negative"),
    ({"kind": "share", "unit": "%", "actuals": {2020: 101.0}}, "a share in"),
    ({"actuals": [1, 2]}, "mapping of year"),
    ({"kind": "grade", "unit": "등급", "actuals": {2020: "A"}, "targets": {}}, "two grades"),
    ({"kind": "grade", "unit": "등급", "scale": ("B", "A"), "actuals": {2020: "S"},
      "targets": {}}, "grade on the scale"),
    ({"scale": ("B", "A")}, "no scale unless"),
    ({"scale": "BA"}, "list or tuple"),
    ({"tags": {"goal": "I"}}, "Tags"),
    ({"bounds": (0, float("nan"))}, "bounds"),
]


@pytest.mark.parametrize(("change", "phrase"), BAD_INDICATORS)
def test_indicator_validates_like_the_catalog(change, phrase):
    with pytest.raises(CatalogError, match=phrase) as info:
        Indicator(**{**BASE, **change})
    assert len(str(info.value)) < 500


def test_indicator_accepts_numpy_scalars_as_plain_values():
    ind = Indicator(**{**BASE, "actuals": {np.int64(2020): np.float64(1.5)}})
    assert ind.actuals == {2020: 1.5}
    assert type(next(iter(ind.actuals))) is int


# ------------------------------------------------------------------ scenarios
BAD_SCENARIOS = [
    ("years float", "changes: [{indicator: x, years: 2024.5, growth_add: 0.1}]", "years"),
    ("years reversed", "changes: [{years: [2027, 2024], growth_add: 0.1}]", "years"),
    ("years text", "changes: [{years: soon, growth_add: 0.1}]", "years"),
    ("budget text", "changes: [{budget: {2024: lots}}]", "budget.2024"),
    ("budget float key", "changes: [{budget: {2024.5: 10}}]", "budget"),
    ("budget negative", "changes: [{budget: {2024: -1}}]", "budget"),
    ("budget empty", "changes: [{budget: {}}]", "budget"),
    ("budget list", "changes: [{budget: [1, 2]}]", "budget"),
    ("not a scenario", "{next: 100}", "a scenario is a mapping"),
    ("unknown top key", "{changes: [], next: 100}", "unknown key"),
    ("scenarios scalar", "scenarios: 5", "non-empty list"),
    ("scenarios empty", "scenarios: []", "non-empty list"),
    ("scenario scalar", "scenarios: [5]", "a scenario is a mapping"),
    ("duplicate names", "scenarios: [{name: a, changes: []}, {name: a, changes: []}]",
     "distinct"),
    ("changes mapping", "changes: {growth_add: 1}", "must be a list"),
    ("change scalar", "changes: [5]", "a change must be a mapping"),
    ("unknown field", "changes: [{growht_add: 0.1}]", "unknown key"),
    ("bool multiplier", "changes: [{growth_multiplier: true}]", "growth_multiplier"),
    ("text number", "changes: [{growth_add: '0.1'}]", "growth_add"),
    ("huge multiplier", "changes: [{growth_multiplier: 1e300}]", "magnitude"),
    ("nan shock", "changes: [{level_shock: .nan}]", "level_shock"),
    ("name number", "{name: 5, changes: []}", "name"),
    ("empty file", "", "empty"),
    ("deep", "changes: " + "[" * 50_000 + "]" * 50_000, "nested"),
    ("alias bomb", BOMB.replace("indicators: [{id: *i}]", "changes: *i"), "alias"),
    ("syntax", "changes: [", "not valid YAML"),
]


@pytest.mark.parametrize(("case", "text", "phrase"), BAD_SCENARIOS,
                         ids=[c[0] for c in BAD_SCENARIOS])
def test_bad_scenario_files_are_one_line_errors(case, text, phrase, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(SimulationError) as info:
        load_scenario(path)
    assert time.monotonic() - start < 5
    message = str(info.value)
    assert phrase in message, message
    assert "s.yaml" in message
    assert len(message) < 1000


def test_scenario_file_in_cp949_is_named(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_bytes("name: 예산 삭감\nchanges: []\n".encode("cp949"))
    with pytest.raises(SimulationError, match="CP949"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("build", "phrase"),
    [
        (lambda: Change(growth_multiplier=True), "growth_multiplier"),
        (lambda: Change(years=(2024.5, 2025)), "years"),
        (lambda: Change(years=2024.0), "years"),
        (lambda: Change(indicator=5), "indicator"),
        (lambda: Change(budget={2024: "lots"}), "budget"),
        (lambda: Scenario(name="", changes=()), "name"),
        (lambda: Scenario(changes=[1]), "Change objects"),
        (lambda: Scenario(changes="abc"), "list of Change"),
    ],
)
def test_scenario_objects_validate_in_post_init(build, phrase):
    with pytest.raises(SimulationError, match=phrase):
        build()


def test_a_single_year_is_a_range_of_one():
    assert Change(years=2025, growth_add=0.1).years == (2025, 2025)


# ------------------------------------------------------------ simulate / numerics
def _indicator(**kw) -> Indicator:
    base = {"id": "x", "name_ko": "지표", "unit": "건", "kind": "count",
            "actuals": {2019: 100.0, 2020: 110.0, 2021: 120.0, 2022: 133.0},
            "targets": {2025: 170.0}}
    return Indicator(**{**base, **kw})


@pytest.mark.parametrize(
    ("kw", "phrase"),
    [
        ({"n_paths": True}, "`n_paths`"),
        ({"n_paths": 0}, "`n_paths`"),
        ({"n_paths": 1.5}, "`n_paths`"),
        ({"n_paths": 10**12}, "`n_paths`"),
        ({"keep_paths": -5}, "`keep_paths`"),
        ({"keep_paths": True}, "`keep_paths`"),
        ({"max_paths": 0}, "`max_paths`"),
        ({"target_se": float("nan")}, "`target_se`"),
        ({"target_se": True}, "`target_se`"),
        ({"chunk_size": True}, "`chunk_size`"),
        ({"until": True}, "`until`"),
        ({"sampler": "magic"}, "`sampler`"),
        ({"scenario": "budget cut"}, "`scenario`"),
        ({"progress": 5}, "`progress`"),
        ({"rng": True}, "`rng`"),
    ],
)
def test_simulate_arguments_are_checked(kw, phrase):
    with pytest.raises(SimulationError, match=phrase):
        kpisim.simulate(_indicator(), model="naive", **{"n_paths": 64, **kw})


class _Exploding:
    """A model whose paths overflow: they must never be counted."""

    name = "exploding"
    min_history = 1

    def fit(self, history, **kw):
        return self

    def sample(self, years, n_paths, *, rng, shocks=None):
        out = np.full((n_paths, len(years)), 1e300)
        out[:, -1] = np.inf
        return out


def test_non_finite_paths_are_refused_not_counted():
    with pytest.raises(SimulationError, match="non-finite"):
        kpisim.simulate(_indicator(), model=_Exploding(), n_paths=64, rng=1)


def test_kept_paths_are_float64_beyond_float32_range():
    ind = _indicator(actuals={2019: 5e14, 2020: 6e14, 2021: 7e14, 2022: 8e14},
                     targets={2025: 9e14})
    sim = kpisim.simulate(ind, model="naive", n_paths=256, rng=1)
    paths = sim.paths("x")
    assert paths.to_numpy().dtype == np.float64
    assert np.isfinite(paths.to_numpy()).all()
    values = paths.to_numpy()
    assert (values != values.astype(np.float32)).any()  # float32 would round them


def test_share_with_target_on_its_bound_can_meet_it():
    ind = Indicator(id="s", name_ko="준수율", unit="%", kind="share",
                    actuals={2019: 97.0, 2020: 98.5, 2021: 99.0, 2022: 100.0},
                    targets={2025: 100.0}, tags=Tags(key=("evaluation",), category="경영관리"))
    for model in ("auto", "logit"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sim = kpisim.simulate(ind, model=model, n_paths=8192, rng=1)
        p = sim.prob_meet(2025)["prob"].iloc[0]
        # the last actual is the cap: meeting it again is likely, never ~0
        assert 0.3 < p < 1, (model, p)
        paths = sim.paths("s")[2025]
        assert math.isclose(p, float((paths >= 100).mean()), abs_tol=0.05)
        notes = " ".join(sim.assumptions(lang="en").statement)
        assert "counts as on it" in notes or model == "logit"
        # the handbook score's P(100) (목표 대비 실적 = 100 %) is the same event
        from kpisim.scoring import score_simulation

        p_100 = score_simulation(sim, 2025).table["p_100"].iloc[0]
        assert math.isclose(p, p_100, abs_tol=1e-3), (model, p, p_100)


def test_target_se_stopping_does_not_depend_on_chunk_size():
    ind = _indicator()
    runs = [kpisim.simulate(ind, model="naive", n_paths=4096, target_se=0.004,
                            max_paths=200_000, chunk_size=c, rng=7) for c in (4096, 65536)]
    assert runs[0].n_paths == runs[1].n_paths
    pd.testing.assert_frame_equal(runs[0].prob_meet(), runs[1].prob_meet())


def test_compare_and_sensitivity_default_to_fresh_entropy_not_seed_zero():
    import inspect

    assert inspect.signature(compare).parameters["rng"].default is None
    assert inspect.signature(sensitivity).parameters["rng"].default is None


def test_a_generator_gives_every_scenario_common_random_numbers():
    same = [Scenario(name=n, changes=(Change(growth_add=-0.01),)) for n in ("a", "b")]
    table = compare(same, [_indicator()], model="loggrowth", n_paths=4096,
                    rng=np.random.default_rng(3))
    assert (table["a"] == table["b"]).all()


# ------------------------------------------------------------------ exports
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("-5", "-5"),
        ("+1.5e3", "+1.5e3"),
        (-5.0, -5.0),
        (3, 3),
        (None, None),
        ("AI전문기업", "AI전문기업"),
    ],
)
def test_spreadsheet_cells_are_neutralised(value, expected):
    assert neutralise_cell(value) == expected


HOSTILE = '=HYPERLINK("http://evil","$x^2$ <script>alert(1)</script>")'


@pytest.fixture(scope="module")
def hostile_sim():
    ind = _indicator(name_ko=HOSTILE, name_en="=cmd|x", tags=Tags(headline=True))
    return kpisim.simulate(ind, model="naive", n_paths=4096, rng=11, keep_paths=500)


def test_excel_has_no_live_formula_and_numbers_stay_numbers(hostile_sim, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from kpisim.reporting import report_excel

    path = report_excel(hostile_sim, tmp_path / "r.xlsx", audit=False)
    book = openpyxl.load_workbook(path)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert any(c.value == "'" + HOSTILE for c in cells)
    assert any(isinstance(c.value, float) and c.value < 0 for c in cells) or any(
        isinstance(c.value, (int, float)) for c in cells)
    assert not list(tmp_path.glob(".*.tmp"))


def test_markdown_is_escaped(hostile_sim, tmp_path):
    from kpisim.reporting import report_markdown

    text = report_markdown(hostile_sim, tmp_path / "r.md").read_text(encoding="utf-8")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text


def test_report_is_byte_reproducible_and_survives_dollars(hostile_sim, tmp_path, monkeypatch):
    from kpisim.reporting import report

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    a = report(hostile_sim, tmp_path / "a.html", audit=False).read_bytes()
    b = report(hostile_sim, tmp_path / "b.html", audit=False).read_bytes()
    assert a == b
    assert b"2023-11-14" in a
    assert b"<script>alert" not in a


def test_atomic_write_keeps_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    def fail():
        with atomic_write(path) as f:
            f.write("half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        fail()
    assert path.read_text(encoding="utf-8") == "old"
    assert list(tmp_path.iterdir()) == [path]
    with pytest.raises(OutputError, match="is a directory"), atomic_write(tmp_path):
        pass
    with pytest.raises(OutputError, match="does not exist"), atomic_write(tmp_path / "no" / "x"):
        pass


# ---------------------------------------------------------------------- CLI
def _cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("make", "argv", "phrase"),
    [
        (lambda p: p.write_bytes(GOOD.encode("cp949")), ["catalog"], "CP949"),
        (lambda p: p.write_text(BOMB, encoding="utf-8"), ["catalog"], "별칭 폭탄"),
        (lambda p: p.write_text("", encoding="utf-8"), ["catalog"], "빈 파일"),
        (lambda p: p.write_text(GOOD, encoding="utf-8"),
         ["run", "--no-report", "--paths", str(10**12), "--yes"], "1,000,000,000"),
        (lambda p: p.write_text(GOOD, encoding="utf-8"),
         ["run", "--no-report", "--paths", "3000000"], "--yes"),
        (lambda p: p.write_text(GOOD, encoding="utf-8"),
         ["run", "--no-report", "--paths", "0"], "`n_paths`"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(make, argv, phrase, tmp_path, capsys):
    path = tmp_path / "c.yaml"
    make(path)
    code, _, err = _cli(capsys, *argv, "--catalog", str(path), "--quiet")
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert phrase in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize("kind", ["file", "unwritable"])
def test_cli_unusable_out_fails_before_the_run(kind, tmp_path, capsys):
    import os

    if kind == "file":
        out = tmp_path / "taken"
        out.write_text("x", encoding="utf-8")
    else:
        if os.geteuid() == 0:
            out = Path("/proc/kpisim-cannot-be-here")
        else:
            locked = tmp_path / "locked"
            locked.mkdir(mode=0o500)
            out = locked / "sub"
    cat = tmp_path / "c.yaml"
    cat.write_text(GOOD, encoding="utf-8")
    code, stdout, err = _cli(capsys, "report", "--catalog", str(cat), "--out", str(out),
                             "--paths", "4096", "--model", "naive", "--quiet")
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert "--out" in err
    assert stdout == ""  # nothing was simulated or printed first


def test_cli_csv_output_is_formula_safe(tmp_path, capsys):
    cat = tmp_path / "c.yaml"
    cat.write_text(GOOD.replace("방문 건수", "'=1+1'"), encoding="utf-8")
    code, out, err = _cli(capsys, "catalog", "--catalog", str(cat), "--format", "csv")
    assert code == 0, err
    assert "'=1+1" in out
    assert ",=1+1" not in out


def test_cli_bug_is_exit_1_with_a_pointer_not_a_traceback(monkeypatch, capsys):
    import kpisim.cli as cli

    def boom(args):
        raise RuntimeError("an internal bug")

    monkeypatch.setattr(cli, "cmd_catalog", boom)
    monkeypatch.delenv("KPISIM_TRACEBACK", raising=False)
    code, _, err = _cli(capsys, "catalog", "--lang", "en")
    assert code == 1
    assert err.count("\n") == 1, err
    assert "RuntimeError" in err
    assert "Traceback" not in err
    crash = Path(err.split("saved to ")[1].split(";")[0].strip())
    assert "Traceback" in crash.read_text(encoding="utf-8")
    crash.unlink()


def test_every_limit_error_is_a_kpisim_error():
    assert issubclass(OutputError, KpisimError)
    assert MAX_YAML_DEPTH >= 16  # real catalogs nest 4–5 levels


@pytest.mark.parametrize(
    "call",
    [
        lambda: kpisim.load_catalog(123),
        lambda: kpisim.load_catalog(""),
        lambda: load_scenario(None),
        lambda: kpisim.simulate("abc", n_paths=16),
        lambda: kpisim.simulate(5, n_paths=16),
        lambda: kpisim.simulate(_indicator(), model=5, n_paths=16),
        lambda: kpisim.load_catalog().select(goal="V"),
        lambda: kpisim.load_catalog().select(kind="bogus"),
        lambda: kpisim.simulate(_indicator(), model="naive", n_paths=16, rng=1).prob_meet("2030"),
        lambda: compare(5, [_indicator()]),
        lambda: compare([Scenario(name="a")], [_indicator()], n_paths=True),
        lambda: kpisim.Catalog.from_yaml(b"indicators: []"),
    ],
)
def test_wrong_types_at_the_api_are_kpisim_errors(call):
    with pytest.raises(KpisimError):
        call()


def test_catalog_field_errors_name_the_line(tmp_path):
    text = GOOD + "  - id: second\n    name_ko: 둘째\n    unit: 건\n    kind: bogus\n"
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"indicator `second`, field `kind`.*\(line 11\)"):
        kpisim.load_catalog(path)
    bad_value = GOOD.replace("target: {2025: 170}", "target:\n      2025: -1")
    with pytest.raises(CatalogError, match=r"field `target.2025`.*\(line 7\)") as info:
        kpisim.Catalog.from_yaml(bad_value, source="c.yaml")
    assert info.value.line == 7

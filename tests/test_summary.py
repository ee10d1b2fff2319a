"""The public attainment table (`Simulation.summary`) and its terminal rendering."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kpisim
from kpisim._summary import (
    display_width,
    export_table,
    format_table,
    render_table,
    se_text,
    with_unit,
)


@pytest.fixture(scope="module")
def sim():
    cat = kpisim.load_catalog()
    return kpisim.simulate(cat.headline(), n_paths=2000, rng=7)


def test_display_width_counts_hangul_twice():
    # independent of the code: Hangul syllables are East Asian Wide (UAX #11)
    assert display_width("가") == 2
    assert display_width("AI전문기업") == 2 + 4 * 2
    assert display_width("±0.53 %p") == 8
    assert display_width("ＡＢ") == 4  # full-width Latin
    assert display_width("e\u0301") == 1  # a combining accent takes no column


cells = st.text(alphabet=st.sampled_from(list("abcXYZ09 .%·") + list("가나다라성과지표")),
                max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=6),
       st.lists(st.booleans(), min_size=3, max_size=3))
def test_rendered_columns_start_at_the_same_display_column(rows, right):
    header = ["지표", "year", "P"]
    out = render_table(header, rows, right)
    lines = out.split("\n")
    assert len(lines) == len(rows) + 1
    widths = [max(display_width(str(r[j])) for r in [header, *rows]) for j in range(3)]
    for line, row in zip(lines, [header, *rows], strict=True):
        pos = 0
        for j, cell in enumerate(row):
            cell = str(cell)
            pad = widths[j] - display_width(cell)
            seg = (" " * pad + cell) if right[j] else (cell + " " * pad)
            # the cell sits exactly in its column, whatever the Hangul before it
            assert _slice(line, pos, widths[j]).rstrip() == seg.rstrip()
            pos += widths[j] + 2


def _slice(line: str, start: int, width: int) -> str:
    """The characters of ``line`` between display columns start and start+width."""
    out, col = "", 0
    for ch in line:
        w = 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        if start <= col < start + width:
            out += ch
        col += w
    return out


def test_units_and_se():
    assert with_unit(3500, "개", "ko") == "3,500개"
    assert with_unit(3500, "개", "en") == "3,500"
    assert with_unit(220, "억불", "ko") == "220억불"
    assert with_unit(220, "억불", "en") == "220 × 100M USD"
    assert with_unit(80, "%", "en") == "80%"
    assert with_unit(float("nan"), "%", "ko") == "–"
    assert se_text(0.0016) == "±0.16 %p"
    assert se_text(0.0016, "en") == "±0.16 pp"


def test_simulation_summary_is_the_table_the_cli_prints(sim):
    table = sim.summary()
    head = [i for i in [*sim.ids, *sim.grade_ids] if sim.catalog[i].tags.headline]
    assert set(table["id"]) == set(head)  # the grade goal too (대외 기관평가)
    # every stated future year of a headline goal, one row each
    p = sim.prob_meet()
    p = p[~p.observed]
    assert len(table) == len(p)
    np.testing.assert_allclose(table.sort_values(["id", "year"])["prob"],
                               p.sort_values(["id", "year"])["prob"])
    assert set(table["name"]) == {sim.catalog[i].name_ko for i in table["id"]}
    en = sim.summary(lang="en")
    assert set(en["name"]) == {sim.catalog[i].name_en for i in en["id"]}
    assert en["progress_class"].str.contains("[가-힣]").sum() == 0
    # the median of the kept paths lies between the 95% band of the value
    q = sim.quantiles((0.025, 0.5, 0.975))
    row = table[table["id"].isin(sim.ids)].iloc[-1]  # a numeric row (grades have no median)
    qs = q[(q.id == row["id"]) & (q.year == row["year"])].set_index("q")["value"]
    assert qs[0.025] <= row["median"] <= qs[0.975]
    assert row["median"] == pytest.approx(qs[0.5])


def test_format_table_shows_full_names_in_english(sim):
    text = format_table(sim.summary(lang="en"), "en")
    for ident in sim.ids:
        name = sim.catalog[ident].name_en
        if sim.catalog[ident].tags.headline and name:
            assert name in text
    assert "±" in text
    assert " pp" in text


def test_export_table_is_numeric_with_texts(sim):
    frame = export_table(sim, lang="ko")
    for col in ("prob", "se", "target", "ci_low", "ci_high", "median", "progress_ratio"):
        assert frame[col].dtype.kind == "f", col
        assert not np.isinf(frame[col].to_numpy()).any(), col
    ai = frame[frame["id"] == "ai_firms"]
    assert sorted(ai["year"]) == [2024, 2027, 2030]
    texts = ai["assumption_texts"].iloc[0]
    assert any("기준집단" in s for s in texts)
    en = export_table(sim, lang="en")
    assert any("reference-class prior" in s for s in en["assumption_texts"].iloc[0])


def test_messages_pickle_and_render_in_both_languages():
    import pickle

    from kpisim._messages import Msg, in_lang

    m = Msg("sim.source.growth_set", base=Msg("sim.source.shipped_log"), m0="0.1")
    back = pickle.loads(pickle.dumps(m))
    assert back == m
    assert back.in_lang("ko") == m.in_lang("ko")
    assert m.startswith("reference-class prior (M1 + Tourism")
    assert in_lang(m, "ko").startswith("기준집단 사전분포")
    assert in_lang("plain", "ko") == "plain"


def test_assumptions_switch_language_and_keep_english_str(sim):
    ko = sim.assumptions()
    en = sim.assumptions(lang="en")
    assert list(ko["field"]) == list(en["field"])
    model_ko = ko[ko.source == "model"]["statement"]
    model_en = en[en.source == "model"]["statement"]
    assert model_ko.str.contains("[가-힣]").all()
    assert not model_en.str.contains("[가-힣]").any()
    # the fitted model keeps its sentences as English str (old callers)
    notes = sim.fitted("ai_firms").assumptions
    assert all(isinstance(s, str) for s in notes)
    assert any(s.startswith("reference-class prior") for s in notes)
    with pytest.raises(ValueError, match="lang"):
        sim.assumptions(lang="fr")

"""Plots: every function renders Korean labels without a missing glyph."""

from __future__ import annotations

import sys
import warnings

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

import kpisim
from kpisim import Catalog, Change, Indicator, Scenario, Tags, plot
from tests.test_simulate import KnownLogNormal

MODEL = KnownLogNormal(mu=0.06, sigma=0.12)


def _indicators() -> tuple[Indicator, ...]:
    return (
        Indicator(
            id="ai_firms",
            name_ko="AI전문기업 육성",
            name_en="AI specialist firms fostered",
            unit="개",
            kind="count",
            actuals={2021: 1100.0, 2022: 1250.0},
            targets={2022: 1200.0, 2024: 2000.0, 2027: 2700.0, 2030: 3500.0},
            tags=Tags(headline=True),
        ),
        Indicator(
            id="sw_adoption_rate",
            name_ko="SW신기술 도입률",
            unit="%",
            kind="share",
            actuals={2020: 60.0, 2021: 64.0},
            targets={2022: 70.0, 2027: 75.0, 2030: 80.0},
            tags=Tags(headline=True),
        ),
        Indicator(
            id="ghg",
            name_ko="온실가스 배출량(tCO₂eq)·감축",
            unit="점",
            kind="level",
            direction="decrease",
            actuals={2021: 100.0, 2022: 97.0},
            targets={2025: 90.0, 2027: 85.0},
        ),
    )


@pytest.fixture(scope="module")
def sim():
    return kpisim.simulate(Catalog(_indicators(), name="t"), model=MODEL, n_paths=4096, rng=11)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")



def _is_missing_glyph(message: str) -> bool:
    """matplotlib's warning for a glyph its font lacks ("… missing from font(s) …" from
    3.9, "… missing from current font." before)."""
    return "missing from font" in message or "missing from current font" in message


def render(ax, path) -> None:
    """Save the figure of ``ax`` and fail on any missing-glyph warning."""
    assert isinstance(ax, Axes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax.figure.savefig(path, dpi=50)
    missing = [str(w.message) for w in caught if _is_missing_glyph(str(w.message))]
    assert not missing, missing
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG")
    assert len(data) > 1000


def test_missing_glyph_check_is_live(tmp_path):
    """Hangul without a Korean font does warn, so `render` would catch it."""
    with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("한글 제목")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fig.savefig(tmp_path / "tofu.png", dpi=30)
    assert any(_is_missing_glyph(str(w.message)) for w in caught)


def _sensitivity():
    return kpisim.sensitivity(
        _indicators()[0], "ai_firms", 2030, model=MODEL, n_paths=4096, rng=3
    )


def _compare():
    scenarios = [
        Scenario(name="기준"),
        Scenario(name="예산 삭감", changes=(Change(indicator="ai_firms", growth_add=-0.03),)),
    ]
    return kpisim.compare(scenarios, list(_indicators()[:2]), model=MODEL, n_paths=4096, rng=3)


DRAW = {
    "fan": lambda sim, ax, lang: plot.fan_chart(
        sim, "ai_firms", ax=ax, lang=lang, rule_path={2024: 2000.0, 2027: 2662.0, 2030: 3543.0}
    ),
    "fan_decrease": lambda sim, ax, lang: plot.fan_chart(sim, "ghg", ax=ax, lang=lang),
    "heatmap": lambda sim, ax, lang: plot.attainment_heatmap(sim, ax=ax, lang=lang),
    "first_hit": lambda sim, ax, lang: plot.first_hit_histogram(sim, "ai_firms", ax=ax, lang=lang),
    "tornado": lambda sim, ax, lang: plot.tornado(_sensitivity(), ax=ax, lang=lang),
    "scenario": lambda sim, ax, lang: plot.scenario_bars(
        _compare(), ax=ax, lang=lang, names={i.id: i.name_ko for i in _indicators()}
    ),
    "score": lambda sim, ax, lang: plot.score_distribution(
        np.random.default_rng(5).choice([20, 40, 60, 80, 100], size=500), ax=ax, lang=lang
    ),
    "score_continuous": lambda sim, ax, lang: plot.score_distribution(
        np.random.default_rng(6).uniform(20, 100, size=500), ax=ax, lang=lang
    ),
}


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("name", list(DRAW))
def test_every_plot_renders_korean(sim, name, lang, tmp_path):
    render(DRAW[name](sim, None, lang), tmp_path / f"{name}.png")


@pytest.mark.parametrize("name", list(DRAW))
def test_on_an_axes_made_outside_kpisim(sim, name, tmp_path):
    # the user's Axes (and its title, labels, ticks) predate kpisim's font context
    _, ax = plt.subplots(figsize=(6, 4))
    assert DRAW[name](sim, ax, "ko") is ax
    render(ax, tmp_path / f"{name}.png")


def test_global_font_settings_untouched(sim):
    before = (list(mpl.rcParams["font.family"]), mpl.rcParams["axes.unicode_minus"])
    plot.fan_chart(sim, "ai_firms")
    plot.attainment_heatmap(sim)
    after = (list(mpl.rcParams["font.family"]), mpl.rcParams["axes.unicode_minus"])
    assert before == after
    assert "koreanize_matplotlib" not in sys.modules  # importing it rewrites rcParams


def test_use_korean_font_is_opt_in():
    with mpl.rc_context():
        name = plot.use_korean_font()
        assert name
        assert mpl.rcParams["font.family"][0] == name
        assert mpl.rcParams["axes.unicode_minus"] is False


def test_fan_chart_content(sim):
    ax = plot.fan_chart(sim, "ai_firms", rule_path=pd.Series({2027: 2662.0, 2030: 3543.0}))
    assert ax.get_title(loc="left") == "AI전문기업 육성"
    assert "개" in ax.get_ylabel()
    p = sim.prob_meet(2030, ids=["ai_firms"]).iloc[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    # the SE as the summary table writes it: ±, two decimals, a space, %p
    expected = f"2030 목표 3,500개: P(달성) = {100 * p.prob:.1f}% ±{100 * p.se:.2f} %p"
    assert texts[0] == expected
    assert "규칙으로 재계산한 목표" in texts
    assert {"50% 구간", "80% 구간", "95% 구간", "실적", "목표치(문서)"} <= set(texts)
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1
    assert ax.get_xlim()[1] < 2031


def test_fan_chart_english_and_until(sim):
    ax = plot.fan_chart(sim, "ai_firms", lang="en", until=2027, yscale="linear")
    assert ax.get_title(loc="left") == "AI specialist firms fostered"
    assert ax.get_xlim()[1] == pytest.approx(2027.6)
    assert ax.get_yscale() == "linear"
    assert ax.get_legend().get_texts()[0].get_text().startswith("2030 goal 3,500: P(met) = ")


def test_fan_chart_log_axis_for_wide_fans():
    ind = _indicators()[0]
    wide = kpisim.simulate(ind, model=KnownLogNormal(mu=0.1, sigma=0.6), n_paths=4096, rng=1)
    ax = plot.fan_chart(wide, "ai_firms")
    assert ax.get_yscale() == "log"
    assert "로그" in ax.get_ylabel()


def test_off_chart_band_of_a_count_is_a_whole_number():
    # the built-in ai_firms (one actual, a count) has a 95 % band far above its
    # targets: the chart names where it ends, in whole firms (no "6,410.66개")
    ind = kpisim.load_catalog()["ai_firms"]
    sim = kpisim.simulate(ind, n_paths=8192, rng=2)
    ax = plot.fan_chart(sim, "ai_firms", yscale="linear")
    note = [t.get_text() for t in ax.texts if "축 밖" in t.get_text()]
    assert note
    top = float(np.quantile(sim.kept_paths("ai_firms")[:, -1], 0.975))
    assert f"{round(top):,}개" in note[0]


def test_probability_labels_stay_inside_the_figure():
    # the goal year is the chart's last year: its "P=…" label must not run off
    # the right edge (it goes to the left of the star there)
    ind = kpisim.load_catalog()["ai_firms"]
    sim = kpisim.simulate(ind, n_paths=4096, rng=2)
    ax = plot.fan_chart(sim, "ai_firms")
    fig = ax.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in ax.texts if t.get_text().startswith("P=")]
    assert len(labels) == 3  # '24, '27 and the '30 goal
    for t in labels:
        box = t.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0, t.get_text()
        assert box.x1 <= fig.bbox.x1, t.get_text()
    plt.close(fig)


def test_heatmap_cells(sim):
    ax = plot.attainment_heatmap(sim)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[:2] == ["★ AI전문기업 육성", "★ SW신기술 도입률"]
    texts = {(round(t.get_position()[0]), round(t.get_position()[1])): t.get_text()
             for t in ax.texts}
    probs = sim.prob_meet()
    years = sorted(probs.year.unique())
    ids = ["ai_firms", "sw_adoption_rate", "ghg"]
    for r in probs.itertuples():
        cell = texts[(years.index(r.year), ids.index(r.id))]
        if r.observed:  # a known actual: marked met/missed, not given a probability
            assert cell == ("달성" if r.prob == 1 else "미달")
        else:
            assert cell in (f"{100 * r.prob:.0f}%", "<1%", ">99%")
    assert texts[(years.index(2022), 0)] == "달성"  # 1,250 ≥ 1,200 in 2022
    assert (years.index(2024), 1) not in texts  # no 2024 target: blank
    assert len(texts) == len(probs)
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert len(hatched) == int(probs.observed.sum()) >= 1


def test_first_hit_bars_sum_to_one(sim):
    ax = plot.first_hit_histogram(sim, "ai_firms")
    heights = [p.get_height() for p in ax.patches]
    assert sum(heights) == pytest.approx(1.0)
    assert ax.get_xticklabels()[-1].get_text() == "2030년까지\n미달성"


def test_score_distribution_annotations():
    scores = pd.DataFrame({"score": [20.0, 60.0, 100.0], "prob": [0.2, 0.3, 0.5]})
    ax = plot.score_distribution(scores)
    note = next(t.get_text() for t in ax.texts if "E[평점]" in t.get_text())
    assert note == "E[평점] = 72.0\nP(100점) = 50.0%"


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"`scores` must lie in \[20, 100\]"):
        plot.score_distribution(np.array([10.0, 50.0]))
    with pytest.raises(ValueError, match=r"`scores\.prob` must be non-negative and sum to 1"):
        plot.score_distribution(pd.DataFrame({"score": [20.0], "prob": [0.5]}))
    with pytest.raises(ValueError, match="lacks column"):
        plot.tornado(pd.DataFrame({"assumption": ["drift"]}))
    with pytest.raises(ValueError, match="no scenario column"):
        plot.scenario_bars(pd.DataFrame({"id": ["a"], "year": [2030], "target": [1.0]}))


def test_bad_lang(sim):
    with pytest.raises(ValueError, match="`lang` must be 'ko' or 'en'; got 'jp'"):
        plot.fan_chart(sim, "ai_firms", lang="jp")

"""The seed catalogs of 002, 003 and 004 against the seed documents themselves.

Every check reads the seed text independently of the catalog code: a value
is parsed from the seed line named here (typed in by hand from the
document), with the Korean multipliers 만 (10^4) and 천 (10^3) applied, and
compared with the catalog. The budget tables of 002 and 003 are parsed cell
by cell. The seed files live in ``shared/seeds`` beside the repository (or
beside a worktree's parent); without them these tests are skipped.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

import kpisim
from tests.test_seed_values import SEEDS

S002 = SEEDS / "002_69b5d0863f4d8d05.txt"
S003 = SEEDS / "003_4278550a62643b94.txt"
S004 = SEEDS / "004_36dbe2d0af6d7e01.txt"
RD, ND, IC = "regional_digital", "digital_new_deal_2022", "industrial_convergence_2023"
SEED_CATALOGS = {RD: S004, ND: S003, IC: S002}

pytestmark = pytest.mark.skipif(not S004.exists(), reason=f"seed documents not found at {SEEDS}")

_NUMBER = re.compile(r"(\d[\d,]*(?:\.\d+)?)\s*(만|천)?")


def seed_line(path: Path, number: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[number - 1]


def korean_number(text: str) -> float:
    """The first number of ``text`` as the document means it: '1.7만' → 17000."""
    m = _NUMBER.search(text)
    assert m, text
    value = float(m.group(1).replace(",", ""))
    return value * {"만": 10_000, "천": 1_000, None: 1}[m.group(2)]


@cache
def load(name: str | None = None) -> kpisim.Catalog:
    """A built-in catalog, parsed once for this module (catalogs are immutable)."""
    return kpisim.load_catalog(name)


def stored(ident: str, catalog: str, series: str, year: int | None):
    ind = load(catalog)[ident]
    if series == "undated":
        values = [g.value for g in ind.undated_goals]
        assert len(values) == 1, (ident, values)
        return values[0]
    return (ind.actuals if series == "actual" else ind.targets)[year]


def test_korean_number():
    assert korean_number("1.7만개") == 17_000
    assert korean_number("약 5천개") == 5_000
    assert korean_number("650만개") == 6_500_000
    assert korean_number("1,130명") == 1_130
    assert korean_number("93.5억원") == 93.5


# (catalog, id, series, year, line, value text, year text or None), typed
# from the seed documents. The value text and the year text must both be on
# that line; the year text is None where the document prints no year beside
# the value (the catalog then states the year as an assumption).
CELLS = [
    # ---- 004 지방 디지털 경쟁력 강화방안(안)
    (RD, "regional_digital_gdp", "actual", 2020, 58, "10.5조원", "’20년"),
    (RD, "regional_digital_gdp", "target", 2027, 58, "30조원", "‘27년까지"),
    (RD, "regional_digital_talent_retention", "actual", 2021, 60, "40.1%", "’21년"),
    (RD, "regional_digital_talent_retention", "target", 2027, 60, "50%", "‘27년까지"),
    (RD, "vulnerable_group_digital_level", "actual", 2022, 62, "78.8%", "’22년"),
    (RD, "vulnerable_group_digital_level", "target", 2027, 62, "83%", "‘27년까지"),
    (RD, "digital_innovation_districts", "target", 2030, 895, "5개", "2030년"),
    (RD, "saas_digital_service_firms", "target", 2027, 1300, "100개", "’27년"),
    (RD, "dx_advanced_manufacturers", "target", 2027, 1351, "5천개", "‘27"),
    (RD, "digital_soc_new", "target", 2027, 1386, "300개", "‘27년"),
    (RD, "non_capital_advanced_course_share", "target", 2027, 1621, "60%", "‘27년"),
    (RD, "smart_apc_centers", "target", 2027, 1367, "100개소", "’27년"),
    (RD, "ai_gifted_schools", "target", 2027, 1666, "2개교", "’27년"),
    (RD, "k_health_platform_clinics", "actual", 2022, 1472, "107개", "’22년"),
    (RD, "k_health_platform_clinics", "target", 2023, 1472, "214개", "‘23년"),
    (RD, "k_health_platform_clinics", "target", 2025, 1472, "450개", "’25년"),
    (RD, "digital_learning_center_trainees", "actual", 2020, 1491, "42.8만명", "(‘20년)"),
    (RD, "digital_learning_center_trainees", "actual", 2021, 1491, "65.6만명", "(’21년)"),
    (RD, "digital_learning_center_trainees", "actual", 2022, 1491, "79.3만명", "(‘22년)"),
    (RD, "sw_instructors", "actual", 2022, 1525, "849명", "`22년"),
    (RD, "sw_instructors", "target", 2023, 1525, "1,130명", "`23년"),
    (RD, "sw_meister_schools", "actual", 2023, 1664, "4개교", None),
    (RD, "sw_meister_schools", "target", 2024, 1664, "5개교", None),
    (RD, "gyeongsan_innovation_academy_trainees", "target", 2024, 1631, "200명", "‘24년"),
    (RD, "seoul_innovation_academy_selected", "actual", 2022, 1634, "750명", "‘22년"),
    (RD, "innovation_square_trainees", "target", 2023, 1640, "7,310명", "’23년"),
    (RD, "digital_helper_hubs", "target", 2023, 1511, "3개", "’23년"),
    (RD, "regional_infosec_clusters", "target", 2023, 1173, "1개소", "‘23년"),
    (RD, "radio_playgrounds", "target", 2023, 1272, "2곳", "‘23.12월"),
    (RD, "manufacturing_data_standard_models", "target", 2024, 1359, "50개", "’24"),
    (RD, "regional_autonomous_projects", "target", 2024, 1788, "12개", "‘24년"),
    (RD, "rise_local_budget_share", "target", 2025, 1548, "50%", "‘25년부터"),
    (RD, "smart_village_budget", "actual", 2022, 1397, "100억원", "’22년"),
    (RD, "smart_village_budget", "actual", 2023, 1397, "632억원", "‘23년"),
    (RD, "regional_digital_support_budget", "actual", 2020, 719, "1,925억원", "‘20년"),
    (RD, "regional_digital_support_budget", "actual", 2023, 719, "3,128억원", "‘23년"),
    (RD, "ai_convergence_project_budget_gangwon", "target", 2024, 1195, "60억원", "‘24년"),
    (RD, "ai_convergence_project_budget_chungcheong", "target", 2024, 1200, "80억원", "‘24년"),
    (RD, "ai_convergence_project_budget_jeolla", "target", 2024, 1205, "93.5억원", "‘24년"),
    (RD, "ai_convergence_project_budget_yeongnam", "target", 2024, 1210, "100억원", "‘24년"),
    (RD, "turnkey_package_budget", "target", 2024, 1120, "700억원", "‘24년~"),
    (RD, "sw_future_centers", "actual", 2023, 1523, "13개", None),
    (RD, "sw_future_center_underserved_share", "undated", None, 1519, "50%", None),
    (RD, "digital_innovation_hub_pilot_budget", "undated", None, 1064, "63억원", None),
    (RD, "cooperative_smart_stores", "undated", None, 1375, "300곳", None),
    (RD, "commercial_district_db", "undated", None, 1381, "650만개", None),
    (RD, "k_health_ai_solutions", "undated", None, 1468, "19종", None),
    # ---- 003 2022년 디지털 뉴딜 실행계획
    (ND, "smart_stores", "actual", 2021, 81, "1.7만개", None),
    (ND, "smart_stores", "target", 2025, 219, "6만개", "'25년까지"),
    (ND, "smart_workshops", "actual", 2021, 81, "681개", None),
    (ND, "smart_workshops", "target", 2025, 219, "1만개", "'25년까지"),
    (ND, "smb_online_entry", "actual", 2021, 218, "10만개사", None),
    (ND, "smb_online_entry", "target", 2025, 219, "32만개사", "'25년까지"),
    (ND, "smart_stores_2022_supply", "target", 2022, 295, "5천개", None),
    (ND, "smart_workshops_supported", "actual", 2021, 295, "599개", None),
    (ND, "smart_workshops_supported", "target", 2022, 295, "1천개", None),
    (ND, "digital_small_merchants_trained", "target", 2022, 291, "10만명", None),
    (ND, "smart_factories", "actual", 2021, 213, "2.5만개", None),
    (ND, "smart_factories", "target", 2022, 214, "3만개", "'22년까지"),
    (ND, "k_lighthouse_factories", "target", 2022, 273, "15개", None),
    (ND, "smart_flood_systems", "actual", 2021, 97, "1,101개소", None),
    (ND, "smart_flood_systems", "target", 2022, 345, "1,982개소", "'22년"),
    (ND, "river_monitoring_km", "target", 2022, 226, "3,060km", "'22년까지"),
    (ND, "early_warning_systems", "target", 2022, 345, "510개소", "'22년"),
    (ND, "national_secretary_services", "actual", 2021, 276, "21종", None),
    (ND, "national_secretary_services", "target", 2022, 276, "60종", None),
    (ND, "national_secretary_services", "target", 2023, 201, "102종", "'23년까지"),
    (ND, "ai_training_datasets_new", "target", 2022, 257, "310종", None),
    (ND, "national_key_data", "target", 2022, 257, "168개", None),
    (ND, "ai_regional_specialization", "target", 2022, 269, "6개", None),
    (ND, "metaverse_hubs", "target", 2022, 309, "2개)", "‘22년 2개"),
    (ND, "metaverse_academy_trainees", "target", 2022, 309, "180명", None),
    (ND, "cloud_migrated_systems", "target", 2022, 313, "2,149개", "‘22년"),
    (ND, "private_cloud_share", "target", 2022, 313, "97%", "‘22년"),
    (ND, "cloud_migrated_systems", "undated", None, 311, "1만여개", None),
    (ND, "cloud_vouchers", "target", 2022, 413, "900개", None),
    (ND, "blockchain_pilots", "target", 2022, 316, "24건", None),
    (ND, "its_national_roads_share", "target", 2022, 322, "67%", None),
    (ND, "underground_map_counties", "target", 2022, 332, "77개", None),
    (ND, "smart_city_solution_localities", "target", 2022, 336, "35개", None),
    (ND, "school_wifi_classrooms", "actual", 2021, 185, "31.7만개", None),
    (ND, "school_wifi_classrooms", "target", 2022, 282, "38만실", None),
    (ND, "dr_answer_regions", "target", 2022, 191, "8개", "'22년"),
    (ND, "online_korean_food_halls", "target", 2022, 293, "11개", "'22년까지"),
    (ND, "private_idc_built", "target", 2024, 130, "28개", "'24년까지"),
    (ND, "data_market_size", "actual", 2016, 59, "13.8", "('16)"),
    (ND, "data_market_size", "actual", 2020, 59, "20.0", "('20)"),
    # ---- 002 2023년도 산업융합발전 실행계획 (the budget tables: see below)
    (IC, "ultra_gap_projects", "target", 2023, 326, "40개", "23~"),
    (IC, "manufacturing_service_bm_firms", "target", 2023, 336, "10개사", "23,"),
    (IC, "style_industry_firms", "target", 2023, 28, "22개社", "23,"),
    (IC, "public_data_startups", "target", 2023, 344, "30개", None),
    (IC, "carbon_reduction_rnd_projects", "target", 2023, 356, "32개", None),
    (IC, "biogas_facilities", "target", 2023, 605, "4개소", "~23.12월"),
    (IC, "industrial_ai_intro_trainees", "target", 2023, 367, "400명", None),
    (IC, "industrial_ai_application_trainees", "target", 2023, 367, "2500명", None),
    (IC, "industrial_ai_masters_phd", "target", 2023, 367, "85명", None),
    (IC, "dx_solution_pilots", "target", 2023, 374, "8개", "'23년"),
    (IC, "future_industry_high_school_depts", "actual", 2021, 525, "8개", "('21)"),
    (IC, "future_industry_high_school_depts", "actual", 2022, 525, "40개", "('22)"),
    (IC, "future_industry_high_school_depts", "target", 2023, 525, "55개", "('23)"),
    (IC, "future_industry_high_school_budget", "actual", 2021, 525, "8.4억원", "('21)"),
    (IC, "future_industry_high_school_budget", "target", 2023, 525, "75억원", "('23)"),
    (IC, "hightech_course_trainees", "actual", 2022, 227, "1,230명", None),
    (IC, "hightech_course_trainees", "target", 2023, 518, "1,530명", "23년"),
    (IC, "physician_scientist_phd", "actual", 2022, 233, "95명", None),
    (IC, "physician_scientist_phd", "target", 2023, 621, "125명", None),
    (IC, "cooperative_smart_factory_share", "target", 2023, 498, "43.5%", "('23)"),
    (IC, "tech_regulation_impact_assessments", "target", 2023, 416, "310건", None),
    (IC, "smart_service_firms", "target", 2023, 501, "165개사", None),
    (IC, "smart_house_platform_budget", "actual", 2022, 161, "36.2억원", "'22"),
    (IC, "smart_house_platform_budget", "target", 2023, 328, "32.6억원", "23,"),
    (IC, "ai_manufacturing_platform_visitors", "actual", 2022, 241, "57,005", "('22)"),
    (IC, "sandbox_approvals", "actual", 2022, 178, "228건", "'22년"),
    (IC, "its_coverage_km", "actual", 2022, 220, "26,889km", "'22년"),
    (IC, "national_key_data_opened", "actual", 2022, 148, "168개", None),
    (IC, "eco_ship_budget", "target", 2023, 358, "113억원", "23,"),
    (IC, "maritime_bigdata_budget", "target", 2023, 346, "21.3억원", "23,"),
    (IC, "future_industry_dept_students", "actual", 2022, 526, "20명", "('22)"),
    (IC, "future_industry_dept_students", "target", 2023, 526, "60명", "('23)"),
    (IC, "extreme_materials_platform_budget", "undated", None, 476, "3,096.5억원", None),
    (IC, "carbon_neutral_tech_programme_budget", "undated", None, 461, "9,352억원", None),
]


@pytest.mark.parametrize(
    ("catalog", "ident", "series", "year", "line", "value_text", "year_text"),
    CELLS,
    ids=[f"{c[1]}-{c[2]}-{c[3]}" for c in CELLS],
)
def test_catalog_value_equals_the_seed_text(catalog, ident, series, year, line, value_text,
                                            year_text):
    seed = SEED_CATALOGS[catalog]
    text = seed_line(seed, line)
    assert value_text in text, (line, value_text, text)
    if year_text is not None:
        assert year_text in text, (line, year_text, text)
    assert stored(ident, catalog, series, year) == korean_number(value_text)
    ind = load(catalog)[ident]
    assert ind.provenance.source == seed.name


def test_every_catalog_is_sampled_enough():
    counts = {name: sum(c[0] == name for c in CELLS) for name in SEED_CATALOGS}
    assert all(n >= 10 for n in counts.values()), counts


def _table_cells(line: str) -> list[str]:
    return [c.strip() for c in line.split("\t") if c.strip()]


# 002: the area and ministry budget tables, every cell.
_AREAS = ["convergence_budget_area_new_markets", "convergence_budget_area_institutions",
          "convergence_budget_area_competitiveness", "convergence_budget_area_diffusion",
          "convergence_budget_total"]
_MINISTRIES = {"산업통상자원부": "motie", "행정안전부": "mois", "농림축산식품부": "mafra",
               "국토교통부": "molit", "해양수산부": "mof", "보건복지부": "mohw",
               "과학기술정보통신부": "msit", "문화체육관광부": "mcst", "환경부": "me",
               "중소벤처기업부": "mss", "고용노동부": "moel"}


def test_002_budget_tables_cell_by_cell():
    cat = load("industrial_convergence_2023")
    checked = 0
    for line, series, year in ((281, "actual", 2022), (431, "target", 2023)):
        cells = _table_cells(seed_line(S002, line))
        assert len(cells) == len(_AREAS)
        for ident, cell in zip(_AREAS, cells, strict=True):
            got = (cat[ident].actuals if series == "actual" else cat[ident].targets)[year]
            assert got == korean_number(cell), (ident, cell)
            checked += 1
    for lines, series, year in (((288, 289, 290, 291), "actual", 2022),
                                ((438, 439, 440, 441), "target", 2023)):
        for line in lines:
            cells = _table_cells(seed_line(S002, line))
            for name, cell in zip(cells[::2], cells[1::2], strict=True):
                if name == "-":
                    continue
                ident = f"convergence_budget_{_MINISTRIES[name]}"
                got = (cat[ident].actuals if series == "actual" else cat[ident].targets)[year]
                assert got == korean_number(cell), (ident, cell)
                checked += 1
    assert checked == 2 * (5 + 11)


def test_003_investment_table_cell_by_cell():
    rows = {"① D.N.A": "dna", "② 비대면": "untact", "③ 초연결": "hyperconnected",
            "④ SOC": "soc", "계": "total"}
    cat = load("digital_new_deal_2022")
    header = _table_cells(seed_line(S003, 247))
    assert header == ["'20년", "'21년", "'22년", "'20~'25년"]
    for line in range(248, 253):
        cells = _table_cells(seed_line(S003, line))
        ident = next(f"new_deal_budget_{v}" for k, v in rows.items() if cells[0].startswith(k))
        ind = cat[ident]
        a20, a21, t22, total = cells[1:5]
        assert ind.actuals[2020] == (None if a20 == "-" else korean_number(a20))
        assert ind.actuals[2021] == korean_number(a21)
        assert ind.targets[2022] == korean_number(t22)
        assert [g.value for g in ind.undated_goals] == [korean_number(total)]


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text.replace("**", ""))


@pytest.mark.parametrize("name", sorted(SEED_CATALOGS))
def test_labels_and_undated_texts_are_verbatim(name):
    """Each label and undated-goal text is in the seed ('…' marks an elision)."""
    seed = _norm(SEED_CATALOGS[name].read_text(encoding="utf-8"))
    for ind in load(name).values():
        texts = [ind.provenance.label, *(g.text for g in ind.undated_goals)]
        for text in texts:
            for fragment in text.split("…"):
                assert _norm(fragment) in seed, (ind.id, fragment)


# Lines that print a year and a quantity but are not goals or plan quantities of
# the document (background statistics, cases, status counts, results with no
# planned counterpart); every other such line must be cited by the catalog.
NOT_GOALS = {
    RD: {  # see the header of regional_digital/programmes.yaml
        388: "past programme count ('17~'22 23개 국가균형발전프로젝트)",
        419: "statistic (부가가치율, '21)",
        567: "statistic (regional shares, '22)",
        574: "statistic (ICT중소기업 실태조사, '22)",
        580: "statistic (신입 미충원률, '21)",
        617: "statistic (수도권 청년 애로, '21)",
        661: "case (CES 혁신상, '23)",
        731: "statistic (지원 비중 36.2%)",
        742: "statistic (공모 방식 94%, '23)",
        847: "status (17개 시·도의 지방시대 종합계획 '23~'27)",
        1153: "statistic (침해사고 73%, '21)",
    },
    ND: {
        40: "result ('20~'21 22만 기업·기관, 14만 명 참여)",
        84: "result (바우처 15.1만개 '20~'21)",
        181: "result ('21 금융 데이터 3개 서비스)",
    },
    IC: {
        113: "background statistic (對中 기술격차, 무역수지)",
        114: "background statistic (GNI 대비 수출입 비율 '20)",
        **{n: "a '22 result of section II with no '23 counterpart"
           for n in (164, 170, 172, 186, 193, 195, 204, 207, 209, 214, 216, 242, 250, 254)},
    },
}


def _referenced_lines(directory: Path, seed_prefix: str) -> set[int]:
    """Line numbers of the seed cited in a catalog's YAML (notes and comments)."""
    raw = "\n".join(p.read_text(encoding="utf-8") for p in directory.glob("*.yaml"))
    out: set[int] = set()
    pattern = r"(\b\d{3} )?lines? ((?:\d+(?:\s*[-–]\s*\d+)?(?:,\s*|\s+and\s+)?)+)"
    for m in re.finditer(pattern, raw, re.IGNORECASE):
        if m.group(1) and m.group(1).strip() != seed_prefix:
            continue  # a line of another seed
        for part in re.findall(r"\d+(?:\s*[-–]\s*\d+)?", m.group(2)):
            ends = [int(x) for x in re.split(r"\s*[-–]\s*", part)]
            out.update(range(ends[0], ends[-1] + 1))
    return out


@pytest.mark.parametrize("name", sorted(SEED_CATALOGS))
def test_every_dated_quantity_is_in_the_catalog_or_listed_as_not_a_goal(name):
    year = re.compile(r"[’‘'`]\s?2\d|20[23]\d년|\(2\d[,)]|\b2\d년")
    quantity = re.compile(r"\d[\d,.]*\s*(만|천)?\s*(명|개소|개교|개|곳|억원|조원|%|종|건|km|실)")
    seed = SEED_CATALOGS[name]
    lines = seed.read_text(encoding="utf-8").splitlines()
    dated = {i + 1 for i, line in enumerate(lines) if year.search(line) and quantity.search(line)}
    directory = Path(kpisim.__file__).parent / "data" / name
    cited = _referenced_lines(directory, seed.name[:3])
    missing = sorted(dated - cited - set(NOT_GOALS[name]))
    assert not missing, [(n, lines[n - 1].strip()) for n in missing]
    assert set(NOT_GOALS[name]) <= dated  # the exclusions are real dated lines
    assert not set(NOT_GOALS[name]) & cited  # and none of them is also cited


@pytest.mark.parametrize("name", sorted(SEED_CATALOGS))
def test_notes_cite_lines_that_exist(name):
    n_lines = len(SEED_CATALOGS[name].read_text(encoding="utf-8").splitlines())
    for ind in load(name).values():
        for note in ind.provenance.notes:
            prefix = SEED_CATALOGS[name].name[:3]
            for m in re.finditer(rf"{prefix} lines? (\d+)", note):
                assert 1 <= int(m.group(1)) <= n_lines, (ind.id, note)


def test_seed_000_values_from_the_rationale_rows():
    core = SEEDS / "000_2bd331b0a6e88665.txt"
    cat = load()
    line = seed_line(core, 1373)
    assert "'19년 51.8%" in line
    assert "'20년 76.1%" in line
    ind = cat["sw_quality_capability_improvement"]
    assert ind.actuals[2019] == korean_number("51.8%")
    assert ind.actuals[2020] == korean_number("76.1%")
    # the '21 target is the mean of the two, as the rationale says (rounded to 64)
    assert round((ind.actuals[2019] + ind.actuals[2020]) / 2) == ind.targets[2021] == 64
    # ai_firms <-> ai_convergence_firms: the rationale row names the task series
    # 'AI 전문기업 육성' (the headline goal's name) with '23 target 1,460
    assert "AI 전문기업 육성 (개)" in seed_line(core, 596)
    assert "1,460" in seed_line(core, 596)
    assert cat["ai_convergence_firms"].targets[2023] == 1460
    assert [i.id for i, _ in cat.related("ai_firms")] == ["ai_convergence_firms"]
    assert cat["ai_firms"].actuals[2021] != cat["ai_convergence_firms"].actuals[2021]
    # 지역 일자리 창출 '21 and 지역 디지털 분야 신규 고용건수 '21 actual: both 250
    jobs = _table_cells(seed_line(core, 64))
    hires = _table_cells(seed_line(core, 904))
    assert jobs[3] == "250"
    assert hires[2] == "250"
    jobs_id, hires_id = "regional_sw_jobs_created", "regional_digital_new_jobs"
    assert cat[jobs_id].actuals[2021] == cat[hires_id].actuals[2021]
    assert [i.id for i, _ in cat.related(hires_id)] == [jobs_id]
    # not merged: the section-I '19/'20 values are not in the task-3 series
    assert 2019 not in cat["regional_digital_new_jobs"].actuals

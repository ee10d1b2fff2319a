"""kpisim: how likely are public-sector performance goals to be met?

kpisim represents performance indicators (성과지표) with their history,
stated targets and target-setting rules; audits stated target paths against
their rules; projects indicators with Monte Carlo and trend models; and
estimates the probability of meeting each goal.
"""

from importlib.metadata import PackageNotFoundError, version

from kpisim import goals, models, plot, rules, scoring
from kpisim._validation import (
    CatalogError,
    KpisimError,
    ModelError,
    RuleError,
    ScoringError,
    SimulationError,
)
from kpisim.audit import audit, headline_rates
from kpisim.catalog import Catalog, available_catalogs, load_catalog, read_indicators
from kpisim.indicator import Assumption, Bounds, Indicator, Provenance, Tags
from kpisim.models import GrowthPrior, pooled_prior
from kpisim.report import report, report_excel, report_markdown
from kpisim.rules import implied_cagr, required_cagr, years_to_reach
from kpisim.scenarios import Change, Scenario, compare, load_scenario, sensitivity
from kpisim.simulate import Simulation, simulate
from kpisim.sweeps import sweep

try:
    __version__ = version("kpisim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "Assumption",
    "Bounds",
    "Catalog",
    "CatalogError",
    "Change",
    "GrowthPrior",
    "Indicator",
    "KpisimError",
    "ModelError",
    "Provenance",
    "RuleError",
    "Scenario",
    "ScoringError",
    "Simulation",
    "SimulationError",
    "Tags",
    "__version__",
    "audit",
    "available_catalogs",
    "compare",
    "goals",
    "headline_rates",
    "implied_cagr",
    "load_catalog",
    "load_scenario",
    "models",
    "plot",
    "pooled_prior",
    "read_indicators",
    "report",
    "report_excel",
    "report_markdown",
    "required_cagr",
    "rules",
    "scoring",
    "sensitivity",
    "simulate",
    "sweep",
    "years_to_reach",
]

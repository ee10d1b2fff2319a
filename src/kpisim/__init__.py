"""kpisim: how likely are public-sector performance goals to be met?

kpisim represents performance indicators (성과지표) with their history,
stated targets and target-setting rules; audits stated target paths against
their rules; projects indicators with Monte Carlo and trend models; and
estimates the probability of meeting each goal.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from kpisim._validation import (
    CatalogError,
    KpisimError,
    KpisimWarning,
    ModelError,
    RuleError,
    ScoringError,
    SimulationError,
)

try:
    __version__ = version("kpisim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

# The public names are imported on first use (PEP 562), so that ``import kpisim``
# and ``kpisim --help`` do not pay for pandas, scipy.stats and matplotlib.
_SUBMODULES = ("goals", "models", "plot", "rules", "scoring")
# Other public modules, reachable as attributes once imported (as with eager imports)
_MODULES = ("attainment", "backtest", "catalog", "cli", "indicator", "reporting", "scenarios",
            "simulation", "sweeps")
_LAZY = {
    "audit": "kpisim.rules.audit", "headline_rates": "kpisim.rules.audit",
    "Catalog": "kpisim.catalog", "available_catalogs": "kpisim.catalog",
    "load_catalog": "kpisim.catalog", "read_indicators": "kpisim.catalog",
    "Assumption": "kpisim.indicator", "Bounds": "kpisim.indicator",
    "Indicator": "kpisim.indicator", "Provenance": "kpisim.indicator", "Tags": "kpisim.indicator",
    "GrowthPrior": "kpisim.models", "pooled_prior": "kpisim.models",
    "report": "kpisim.reporting", "report_excel": "kpisim.reporting",
    "report_markdown": "kpisim.reporting",
    "implied_cagr": "kpisim.rules", "required_cagr": "kpisim.rules",
    "years_to_reach": "kpisim.rules",
    "Change": "kpisim.scenarios", "Scenario": "kpisim.scenarios", "compare": "kpisim.scenarios",
    "load_scenario": "kpisim.scenarios", "sensitivity": "kpisim.scenarios",
    "Simulation": "kpisim.simulation", "simulate": "kpisim.simulation",
    "sweep": "kpisim.sweeps",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from kpisim import goals, models, plot, rules, scoring
    from kpisim.catalog import Catalog, available_catalogs, load_catalog, read_indicators
    from kpisim.indicator import Assumption, Bounds, Indicator, Provenance, Tags
    from kpisim.models import GrowthPrior, pooled_prior
    from kpisim.reporting import report, report_excel, report_markdown
    from kpisim.rules import implied_cagr, required_cagr, years_to_reach
    from kpisim.rules.audit import audit, headline_rates
    from kpisim.scenarios import Change, Scenario, compare, load_scenario, sensitivity
    from kpisim.simulation import Simulation, simulate
    from kpisim.sweeps import sweep


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES or name in _MODULES:
        value: Any = importlib.import_module(f"kpisim.{name}")
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        msg = f"module 'kpisim' has no attribute {name!r}"
        raise AttributeError(msg)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# No public function shares its name with a module any more (``kpisim.audit``,
# ``kpisim.report`` and ``kpisim.simulate`` are functions; their modules are
# ``kpisim.rules.audit``, ``kpisim.reporting`` and ``kpisim.simulation``).


__all__ = [
    "Assumption",
    "Bounds",
    "Catalog",
    "CatalogError",
    "Change",
    "GrowthPrior",
    "Indicator",
    "KpisimError",
    "KpisimWarning",
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

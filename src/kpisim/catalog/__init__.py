"""Catalogs of indicators: YAML files shipped with kpisim or brought by users.

A catalog is either one YAML file or a directory of YAML files. In a
directory, ``catalog.yaml`` (or ``catalog.yml``) holds the catalog's
metadata and every other ``*.yaml`` or ``*.yml`` file holds a list under
``indicators:``; files are read in name order, hidden files (``.name``)
skipped. Tables (CSV or Excel, one row per indicator-year) are read by
:func:`read_indicators` / :meth:`Catalog.from_frame`. The format is described
in ``docs/catalog-format.md``.

Every malformed input raises :class:`kpisim.CatalogError` naming the file,
the indicator, the field and what was expected.

The package's private modules, in dependency order: ``_parse`` (one
indicator's mapping ↔ :class:`~kpisim.indicator.Indicator`), ``_frames``
(reading CSV/Excel tables, the cell rules, collected errors), ``_from_frame``
(a table → indicators), ``_template`` (the annotated template) and
``_loaders`` (:class:`Catalog` and the loaders). The built-in catalogs are package data
under ``kpisim/data/``.
"""

from __future__ import annotations

from kpisim.catalog._loaders import Catalog, available_catalogs, load_catalog, read_indicators
from kpisim.catalog._parse import indicator_to_dict, parse_indicator
from kpisim.catalog._template import template_columns, write_template
from kpisim.indicator import YEAR_RANGE

__all__ = [
    "YEAR_RANGE",
    "Catalog",
    "available_catalogs",
    "indicator_to_dict",
    "load_catalog",
    "parse_indicator",
    "read_indicators",
    "template_columns",
    "write_template",
]

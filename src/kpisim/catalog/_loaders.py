""":class:`Catalog` and the loaders: built-in names, YAML files and directories, tables.

Private: the public names are re-exported by :mod:`kpisim.catalog`, which
describes the formats. A directory catalog is read as ``catalog.yaml`` or
``catalog.yml`` (the metadata) and then every other ``*.yaml`` or ``*.yml``
file in name order, hidden files skipped; indicators are
parsed by :func:`kpisim.catalog.parse_indicator` and related ids are checked
once the whole catalog is read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from kpisim._messages import Msg
from kpisim._safeio import write_text
from kpisim._validation import CatalogError
from kpisim.catalog._frames import BOUNDS, META, SCORING, read_table
from kpisim.catalog._from_frame import catalog_from_frame
from kpisim.catalog._parse import (
    _parse_yaml,
    _read_yaml,
    indicator_to_dict,
    parse_indicator,
)
from kpisim.indicator import (
    GOALS,
    KINDS,
    Indicator,
)
from kpisim.rules import rule_to_dict

__all__ = ["Catalog", "available_catalogs", "load_catalog", "read_indicators"]

DEFAULT_CATALOG = "nipa_2023_2027"

# -------------------------------------------------------------------- Catalog
@dataclass(frozen=True)
class Catalog(Mapping[str, Indicator]):
    """An ordered, read-only collection of indicators, keyed by id.

    Parameters
    ----------
    indicators : tuple of Indicator
    name : str
        Short name (e.g. ``nipa_2023_2027``).
    title : str
        Human title (Korean as in the source).
    source : str
        Where the catalog was read from.
    meta : mapping
        Other metadata from ``catalog.yaml``.

    Examples
    --------
    >>> import kpisim
    >>> cat = kpisim.load_catalog()
    >>> cat["ai_firms"].unit
    '개'
    >>> list(cat.headline())[:2]
    ['ai_firms', 'sw_adoption_rate']
    """

    indicators: tuple[Indicator, ...]
    name: str = "custom"
    title: str = ""
    source: str = "<memory>"
    meta: Mapping[str, Any] = field(default_factory=dict)
    #: The catalog this one was filtered from (peers for pooled priors).
    parent: Catalog | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        inds = tuple(self.indicators)
        object.__setattr__(self, "indicators", inds)
        seen: dict[str, Indicator] = {}
        for ind in inds:
            if not isinstance(ind, Indicator):
                raise CatalogError(
                    source=self.source,
                    indicator=None,
                    field="indicators",
                    expected=Msg("expected.indicator_objects"),
                    got=type(ind).__name__,
                )
            if ind.id in seen:
                raise CatalogError(
                    source=self.source,
                    indicator=ind.id,
                    field="id",
                    expected=Msg("expected.ids_unique"),
                    got=ind.id,
                )
            seen[ind.id] = ind
        object.__setattr__(self, "_by_id", seen)

    def check_related(self) -> None:
        """Raise CatalogError if a ``related:`` link names an id not in this catalog.

        Called for every catalog read from a file or YAML text. A catalog
        built in code from a selection of indicators (e.g. ``simulate(ind)``)
        is not checked: a link may point outside the selection, and
        :meth:`related` then omits it.
        """
        pool = self.parent if self.parent is not None else self
        for ind in self.indicators:
            for i, r in enumerate(ind.related):
                if r.id not in pool._by_id:  # type: ignore[attr-defined]
                    raise CatalogError(
                        source=self.source,
                        indicator=ind.id,
                        field=f"related[{i}].id",
                        expected=Msg("expected.related_known"),
                        got=r.id,
                    )

    def related(self, ident: str, *,
                lang: str | None = None) -> tuple[tuple[Indicator, str], ...]:
        """The series related to indicator ``ident``, with the relation stated.

        Links are symmetric: an indicator's own ``related:`` entries come
        first, then those of other indicators that name ``ident``. Related
        indicators outside a filtered selection are looked up in
        :attr:`parent`; a link to an indicator absent from both (possible
        only in a catalog built in code, see :meth:`check_related`) is
        omitted.

        Parameters
        ----------
        ident : str
        lang : {"ko", "en"}, optional
            The relation's language: ``"ko"`` gives ``relation_ko`` where the
            catalog states it (else ``relation``); ``"en"`` or None (the
            default) gives ``relation``.

        Examples
        --------
        >>> import kpisim
        >>> cat = kpisim.load_catalog()
        >>> [ind.id for ind, _ in cat.related("ai_firms")]
        ['ai_convergence_firms']
        """
        pool = self.parent if self.parent is not None else self
        own = pool[ident]
        lang = lang or "en"
        out = [(pool[r.id], r.text(lang)) for r in own.related if r.id in pool]
        named = {r.id for r in own.related}
        for other in pool.values():
            for r in other.related:
                if r.id == ident and other.id not in named:
                    out.append((other, r.text(lang)))
                    named.add(other.id)
        return tuple(out)

    # Mapping protocol ------------------------------------------------------
    def __getitem__(self, key: str) -> Indicator:
        try:
            return self._by_id[key]  # type: ignore[attr-defined]
        except KeyError:
            close = [k for k in self._by_id if key in k or k in key][:5]  # type: ignore[attr-defined]
            hint = f"; similar: {close}" if close else ""
            msg = f"no indicator `{key}` in catalog `{self.name}`{hint}"
            raise KeyError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return (ind.id for ind in self.indicators)

    def __len__(self) -> int:
        return len(self.indicators)

    def __hash__(self) -> int:
        return hash((self.name, tuple(i.id for i in self.indicators)))

    def __repr__(self) -> str:
        return f"Catalog(name={self.name!r}, indicators={len(self)})"

    # Filters ---------------------------------------------------------------
    def filter(self, predicate) -> Catalog:
        """A catalog of the indicators for which ``predicate(indicator)`` is true.

        The result remembers the full catalog as :attr:`parent`, so that a
        simulation of a selection still pools priors over all peers.
        """
        return replace(
            self,
            indicators=tuple(i for i in self.indicators if predicate(i)),
            parent=self.parent or self,
        )

    def headline(self) -> Catalog:
        """The headline management goals (중장기 경영목표)."""
        return self.filter(lambda i: i.tags.headline)

    def select(
        self,
        *,
        goal: str | None = None,
        task: int | None = None,
        key: str | bool | None = None,
        kind: str | None = None,
        label: str | None = None,
        numeric: bool | None = None,
    ) -> Catalog:
        """Indicators matching every given criterion.

        Parameters
        ----------
        goal : {"I", "II", "III", "IV"}, optional
        task : int, optional
            Strategic task 1–8.
        key : {"evaluation", "ceo"} or bool, optional
            Key-indicator mark; ``True`` for any mark.
        kind : str, optional
        label : str, optional
        numeric : bool, optional
            ``True`` keeps only non-grade indicators.
        """
        if goal is not None and goal not in GOALS:
            raise CatalogError(source=None, indicator=None, field="select(goal=…)",
                               expected=Msg("expected.param_one_of", name="goal",
                                            options=list(GOALS)), got=goal)
        if kind is not None and kind not in KINDS:
            raise CatalogError(source=None, indicator=None, field="select(kind=…)",
                               expected=Msg("expected.param_one_of", name="kind",
                                            options=list(KINDS)), got=kind)

        def ok(i: Indicator) -> bool:
            t = i.tags
            if goal is not None and t.goal != goal:
                return False
            if task is not None and t.task != task:
                return False
            if key is True and not t.key:
                return False
            if key is False and t.key:
                return False
            if isinstance(key, str) and key not in t.key:
                return False
            if kind is not None and i.kind != kind:
                return False
            if label is not None and label not in t.labels:
                return False
            return numeric is None or (i.kind != "grade") == numeric

        return self.filter(ok)

    # Frames ----------------------------------------------------------------
    def to_frame(self, *, meta: bool = False) -> pd.DataFrame:
        """Tidy long table: one row per (id, year, series) with its value.

        Parameters
        ----------
        meta : bool, default False
            Also include the columns ``name_ko, name_en, unit, kind, direction,
            scale, rule, bound_low, bound_high, scoring_method, weight,
            category`` (repeated on every row) so
            that :meth:`from_frame` can rebuild the indicators.

        Returns
        -------
        DataFrame
            Columns ``id, year, series, value`` (``series`` is ``actual`` or
            ``target``); ``value`` is float, or object when grades are present.
        """
        rows = []
        for ind in self.indicators:
            extra = _meta_columns(ind) if meta else {}
            for series, values in (("actual", ind.actuals), ("target", ind.targets)):
                for year, v in values.items():
                    rows.append({"id": ind.id, "year": year, "series": series, "value": v, **extra})
        cols = ["id", "year", "series", "value"] + (list(_META_COLUMNS) if meta else [])
        frame = pd.DataFrame(rows, columns=cols)
        frame["year"] = frame["year"].astype("int64")
        if not any(i.kind == "grade" for i in self.indicators):
            frame["value"] = pd.to_numeric(frame["value"]).astype("float64")
        else:
            frame["value"] = frame["value"].astype(object)
        return frame

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        name: str = "custom",
        source: str = "<DataFrame>",
        defaults: Mapping[str, Any] | None = None,
    ) -> Catalog:
        """Build a catalog from a tidy table (the layout of :meth:`to_frame`).

        Parameters
        ----------
        frame : DataFrame
            Columns ``id, year, series, value`` (or ``id, year, actual,
            target``); optional ``name_ko, name_en, unit, kind, direction,
            scale`` (``|``-separated, worst first), ``rule`` (YAML or JSON),
            ``bound_low, bound_high`` (numbers: the indicator's ``bounds``,
            both or neither), ``growth_prior``, ``growth_prior_reason``,
            ``source`` and ``note`` columns (``docs/catalog-format.md``). Any
            other column is refused. Metadata may repeat on every row of an
            indicator; it must agree where it is given.
        name, source : str
            Catalog name, and the file name used in error messages.
        defaults : mapping, optional
            Metadata for indicators whose rows lack it (e.g. ``{"kind":
            "count"}``).

        Raises
        ------
        CatalogError
            Naming the row (1-based, header = row 1) and column on bad input;
            its ``problems`` attribute lists every problem of the table.
        """
        return catalog_from_frame(cls, frame, name=name, source=source, defaults=defaults)

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> Catalog:
        """Build a catalog from a YAML file or directory, or a CSV / Excel table."""
        path = Path(path)
        if path.suffix.lower() in {".csv", ".xlsx", ".xls", ".xlsm"}:
            frame = read_table(path, **kwargs)
            return cls.from_frame(frame, name=path.stem, source=str(path))
        return _load_yaml_catalog(path)

    # YAML ------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The catalog as one YAML-ready mapping."""
        head = {"name": self.name, "title": self.title, **dict(self.meta)}
        return {"catalog": head, "indicators": [indicator_to_dict(i) for i in self.indicators]}

    def to_yaml(self, path: str | Path | None = None) -> str:
        """Dump the catalog to YAML (one file); write it to ``path`` if given."""
        from kpisim._safeio import StrictDumper

        text = yaml.dump(self.to_dict(), Dumper=StrictDumper, allow_unicode=True,
                         sort_keys=False, width=100)
        if path is not None:
            write_text(path, text)
        return text

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<string>") -> Catalog:
        """Parse a catalog from YAML text."""
        if not isinstance(text, str):
            raise CatalogError(source=source, indicator=None, field=None,
                               expected=Msg("expected.yaml_text"), got=type(text).__name__)
        lines: dict = {}
        data = _parse_yaml(text, source, lines)
        return _catalog_from_documents([(source, data)], source=source, lines=lines)


#: Columns of :meth:`Catalog.to_frame` with ``meta=True`` beyond id, year, series, value.
_META_COLUMNS = (*META, *BOUNDS, *SCORING)


def _direction_assumed(ind: Indicator) -> bool:
    """Whether ``ind``'s direction is the default read from a catalog without one
    (``increase``, and the loader's note says so; a direction set since is kept)."""
    return ind.direction == "increase" and any(
        a.field == "direction" and isinstance(a.value, Mapping)
        and a.value.get("stated") is False and a.value.get("direction") == ind.direction
        for a in ind.assumptions)


def _meta_columns(ind: Indicator) -> dict[str, Any]:
    low, high = ind.bounds if ind.bounds is not None else (None, None)
    return {
        "name_ko": ind.name_ko,
        "name_en": ind.name_en,
        "unit": ind.unit,
        "kind": ind.kind,
        # left empty when it was never stated: read back, it is assumed again
        "direction": "" if _direction_assumed(ind) else ind.direction,
        "scale": "|".join(ind.scale),
        "rule": json.dumps(rule_to_dict(ind.rule), ensure_ascii=False)
        if ind.rule is not None
        else "",
        "bound_low": low,
        "bound_high": high,
        "scoring_method": ind.scoring.method,
        "weight": ind.scoring.weight,
        "category": ind.tags.category,
    }


def _catalog_from_documents(
    docs: list[tuple[str, Any]], *, source: str, root_meta: Mapping | None = None,
    lines: Mapping[int, Any] | None = None,
) -> Catalog:
    meta: dict[str, Any] = dict(root_meta or {})
    indicators: list[Indicator] = []
    where: dict[str, tuple[str, int | None]] = {}  # id → the file and line defining it first
    for src, data in docs:
        if data is None:
            continue
        if not isinstance(data, Mapping):
            raise CatalogError(
                source=src,
                indicator=None,
                field=None,
                expected=Msg("expected.document"),
                got=type(data).__name__,
            )
        unknown = set(data) - {"catalog", "indicators"}
        if unknown:
            raise CatalogError(
                source=src,
                indicator=None,
                field=None,
                expected=Msg("expected.top_level_keys"),
                got=sorted(map(str, unknown)),
            )
        if data.get("catalog") is not None:
            if not isinstance(data["catalog"], Mapping):
                raise CatalogError(
                    source=src,
                    indicator=None,
                    field="catalog",
                    expected=Msg("expected.catalog_meta"),
                    got=data["catalog"],
                )
            meta.update(data["catalog"])
        raw = data.get("indicators") or []
        if not isinstance(raw, list):
            raise CatalogError(
                source=src,
                indicator=None,
                field="indicators",
                expected=Msg("expected.indicator_list"),
                got=type(raw).__name__,
            )
        for item in raw:
            ind = parse_indicator(item, source=src, lines=lines)
            line = _id_line(lines, item)
            if ind.id in where:
                raise CatalogError(
                    source=src,
                    indicator=ind.id,
                    field="id",
                    expected=Msg("expected.id_unique", where=_place(*where[ind.id])),
                    got=ind.id,
                    line=line,
                )
            where[ind.id] = (src, line)
            indicators.append(ind)
    declared = any(isinstance(d, Mapping) and isinstance(d.get("indicators"), list)
                   for _, d in docs)
    if not indicators and not declared:  # an explicit `indicators: []` is a choice
        empty = all(data is None for _, data in docs)
        raise CatalogError(
            source=source,
            indicator=None,
            field=None if empty else "indicators",
            expected=Msg("expected.at_least_one"),
            got=Msg("errors.got.empty_file" if empty else "errors.got.no_indicators"),
            show_got=True,
        )
    name = str(meta.pop("name", "custom"))
    title = str(meta.pop("title", ""))
    catalog = Catalog(tuple(indicators), name=name, title=title, source=source, meta=meta)
    catalog.check_related()
    return catalog


def _place(source: str, line: int | None) -> str:
    """``a.yaml`` or ``a.yaml, line 4`` (a catalogue message, shown in either language)."""
    return source if line is None else Msg("errors.catalog.source_line", source=source, line=line)


def _id_line(lines: Mapping[int, Any] | None, item: Any) -> int | None:
    """The line of an indicator's ``id:`` in its YAML file (None when not read from YAML)."""
    where = (lines or {}).get(id(item))
    if where is None:
        return None
    return where[1].get("id", where[0])


#: File name endings a directory catalog reads (in name order; hidden files are skipped).
YAML_SUFFIXES = (".yaml", ".yml")


def _directory_files(path: Path) -> tuple[Path | None, list[Path]]:
    """``catalog.yaml`` (or ``catalog.yml``) and the other YAML files of a directory catalog.

    Files are read in name order; hidden files (``.backup.yaml``, editor
    swap files) and anything that is not a regular file are skipped.
    """
    try:
        entries = sorted(path.iterdir(), key=lambda p: p.name)
    except OSError as e:
        raise CatalogError(source=str(path), indicator=None, field=None,
                           expected=Msg("expected.readable_directory"),
                           got=e.strerror or type(e).__name__) from e
    files = [p for p in entries if p.suffix.lower() in YAML_SUFFIXES
             and not p.name.startswith(".") and p.is_file()]
    heads = [p for p in files if p.stem == "catalog"]
    if len(heads) > 1:
        raise CatalogError(source=str(path), indicator=None, field=None,
                           expected=Msg("expected.one_meta_file"),
                           got=[p.name for p in heads])
    head = heads[0] if heads else None
    return head, [p for p in files if p is not head]


def _no_files_error(path: Path, head: Path | None) -> CatalogError:
    """A directory without indicator files: say what it holds and what is read."""
    found = sorted(p.name for p in path.iterdir() if head is None or p != head)
    more = Msg("expected.directory_holds_more", n=len(found)) if len(found) > 20 else ""
    holds = (Msg("expected.directory_holds", names=", ".join(found[:20]), more=more) if found
             else Msg("expected.directory_holds_nothing"))
    besides = Msg("expected.directory_besides", name=head.name) if head is not None else ""
    return CatalogError(
        source=str(path),
        indicator=None,
        field=None,
        expected=Msg("expected.directory_files", besides=besides, holds=holds),
        show_got=False,
    )


def _load_yaml_catalog(path: Path) -> Catalog:
    if not path.exists():
        raise CatalogError(
            source=str(path),
            indicator=None,
            field=None,
            expected=Msg("expected.existing_catalog"),
            got="no such path",
            show_got=False,
        )
    if path.is_dir():
        head, files = _directory_files(path)
        docs = []
        lines: dict = {}
        if head is not None:
            docs.append((str(head), _read_yaml(head, lines)))
            own = docs[0][1]
            if not files and not (isinstance(own, Mapping) and "indicators" in own):
                raise _no_files_error(path, head)
        elif not files:
            raise _no_files_error(path, None)
        docs += [(str(p), _read_yaml(p, lines)) for p in files]
        return _catalog_from_documents(docs, source=str(path), lines=lines)
    lines = {}
    return _catalog_from_documents([(str(path), _read_yaml(path, lines))], source=str(path),
                                   lines=lines)


def _data_root() -> Path:
    return Path(str(resources.files("kpisim") / "data"))


def available_catalogs() -> list[str]:
    """Names of the catalogs shipped with kpisim (``data/_reference`` holds other data)."""
    root = _data_root()
    return sorted(
        p.name if p.is_dir() else p.stem
        for p in root.iterdir()
        if (p.is_dir() or p.suffix == ".yaml") and not p.name.startswith(("_", "."))
    )


def read_indicators(path: str | Path, *, sheet: str | int = 0, name: str | None = None) -> Catalog:
    """Read your own indicators from a CSV or Excel sheet in the tidy layout.

    Parameters
    ----------
    path : str or Path
        A ``.csv``, ``.xlsx``/``.xlsm``/``.xls`` file with the columns ``id, year,
        series, value`` (``series`` is ``actual`` or ``target``) — or the wide
        variant ``id, year, actual, target`` — plus optional ``name_ko, name_en,
        unit, kind, direction, scale, rule`` and ``bound_low, bound_high``
        columns (see :meth:`Catalog.from_frame`).
    sheet : str or int, default 0
        The Excel sheet.
    name : str, optional
        Catalog name (default: the file's stem).

    Returns
    -------
    Catalog

    Raises
    ------
    CatalogError
        Naming the file, the row (as a spreadsheet numbers it, header = 1) and
        the column of every bad cell, all at once (``err.problems``).

    Examples
    --------
    >>> import pandas as pd, kpisim, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
    >>> pd.DataFrame({"id": ["visits"] * 3, "year": [2021, 2022, 2025],
    ...               "actual": [120, 135, None], "target": [None, None, 170],
    ...               "unit": "건", "kind": "count"}).to_csv(path, index=False)
    >>> cat = kpisim.read_indicators(path)
    >>> cat["visits"].targets[2025]
    170.0
    """
    path = Path(path)
    if path.suffix.lower() not in {".csv", ".xlsx", ".xlsm", ".xls"}:
        raise CatalogError(source=str(path), indicator=None, field=None,
                           expected=Msg("expected.table_file"),
                           got=path.suffix or Msg("errors.got.no_extension"))
    frame = read_table(path, sheet=sheet)
    return Catalog.from_frame(frame, name=name or path.stem, source=str(path))


def load_catalog(name_or_path: str | Path | None = None) -> Catalog:
    """Load a built-in catalog by name, or a catalog file / directory by path.

    Parameters
    ----------
    name_or_path : str or Path, optional
        ``None`` for the built-in NIPA 2023–2027 catalog; a built-in name
        (see :func:`available_catalogs`, e.g. ``"regional_digital"``); or a
        path to a YAML file, a directory of YAML files, a CSV or an Excel
        file in the tidy layout.

    Raises
    ------
    CatalogError
        When the catalog cannot be found or is malformed.
    """
    if name_or_path is None:
        name_or_path = DEFAULT_CATALOG
    if not isinstance(name_or_path, str | os.PathLike) or not str(name_or_path).strip():
        raise CatalogError(source=None, indicator=None, field=None,
                           expected=Msg("expected.catalog_name_or_path"), got=name_or_path)
    if isinstance(name_or_path, str) and name_or_path in available_catalogs():
        root = _data_root()
        path = root / name_or_path
        if not path.exists():
            path = root / f"{name_or_path}.yaml"
        return _load_yaml_catalog(path)
    path = Path(name_or_path)
    if not path.exists():
        raise CatalogError(
            source=str(name_or_path),
            indicator=None,
            field=None,
            expected=Msg("expected.catalog_name_or_existing", names=available_catalogs()),
            got=str(name_or_path),
        )
    return Catalog.from_file(path)

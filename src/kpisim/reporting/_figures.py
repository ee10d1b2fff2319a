"""The matplotlib figures of the report, drawn as inline SVG by forked workers.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from kpisim.reporting._page import _FONT
from kpisim.reporting._svg import _multiples

#: A figure of the page: ``(kind, args)``, drawn by ``_DRAW[kind](sim, *args)`` on an Axes.
#: Specs hold only small picklable data: a forked worker has the simulation already.
Spec = tuple[str, tuple[Any, ...]]


_PLACEHOLDER = "\x00kpisim-fig-{}\x00"


_PLACEHOLDER_RE = re.compile("\x00kpisim-fig-(\\d+)\x00")


_LOCK = threading.RLock()


#: The simulation being reported on, inherited by the forked workers.
_SIM: Any = None


def _draw_spec(sim: Any, spec: Spec, ax: Any) -> Any:
    from kpisim import plot

    kind, args = spec
    if kind == "fan":
        ident, lang, rule_path = args
        return plot.fan_chart(sim, ident, ax=ax, lang=lang, rule_path=rule_path)
    if kind == "curve":
        curve, goal_ev, lang, title = args
        return plot.prob_curve_chart(curve, evidence=goal_ev, ax=ax, lang=lang, title=title)
    if kind == "scores":
        scores, lang, title = args
        return plot.score_distribution(scores, ax=ax, lang=lang, title=title)
    if kind == "scenarios":
        frame, lang, names = args
        return plot.scenario_bars(frame, ax=ax, lang=lang, names=names)
    msg = f"unknown figure kind {kind!r}"
    raise ValueError(msg)


def _render_spec(spec: Spec, figsize: tuple[float, float] | None, i: int) -> str:
    """Figure ``i`` of the page as inline SVG, its text in the embedded font.

    A spec without a size is a part of the page drawn without matplotlib (the
    small multiples), built the same way wherever it runs.
    """
    from kpisim import plot

    if figsize is None:
        kind, args = spec
        if kind != "multiples":
            msg = f"unknown page part {kind!r}"
            raise ValueError(msg)
        return _multiples(_SIM, *args)
    return plot.to_svg(functools.partial(_draw_spec, _SIM, spec), figsize, key=f"kpisim-fig{i}",
                       font_family=f"'{_FONT}'", css_class="chart")


class _Figures:
    """The matplotlib figures of one report, drawn while the rest of the page is built.

    Each figure is handed to one of two forked worker processes as soon as its
    data is known (``fork`` shares the simulation with them without pickling
    it; drawing holds the GIL, so threads would not help), and
    :meth:`collect` gathers the SVG in page order. Where ``fork`` is not
    available (Windows, macOS default), or starting the workers fails
    (Python ≥ 3.12 warns about forking a process with threads; under
    ``-W error`` that is an error), or a worker fails or takes more than two
    minutes, the figures concerned are drawn here: the same markup, as every
    figure's ids come from its place on the page.
    """

    def __init__(self, sim: Any) -> None:
        import multiprocessing
        import os

        global _SIM
        _SIM = sim
        self.specs: list[tuple[Spec, tuple[float, float] | None]] = []
        self.pending: list[Any] = []
        self.pool = None
        n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        if n > 1 and "fork" in multiprocessing.get_all_start_methods():
            _warm_up()  # the workers inherit matplotlib, its fonts and caches
            try:
                self.pool = multiprocessing.get_context("fork").Pool(2)
            except Exception:  # no workers: draw here
                self.pool = None

    def add(self, spec: Spec, figsize: tuple[float, float] | None) -> str:
        """Queue a figure; its placeholder in the page."""
        i = len(self.specs)
        self.specs.append((spec, figsize))
        job = None
        if self.pool is not None:
            try:
                job = self.pool.apply_async(_render_spec, (spec, figsize, i))
            except Exception:  # a spec that does not pickle: draw it here
                job = None
        self.pending.append(job)
        return _PLACEHOLDER.format(i)

    def collect(self, progress: Callable[[int, int], None] | None = None) -> list[str]:
        """Every figure's SVG, in the order added."""
        out = []
        try:
            for i, ((spec, figsize), job) in enumerate(zip(self.specs, self.pending,
                                                           strict=True)):
                svg = None
                if job is not None:
                    try:
                        svg = job.get(timeout=120)
                    except Exception:  # a worker failed or hung: draw here
                        svg = None
                out.append(svg if svg is not None else _render_spec(spec, figsize, i))
                if progress is not None:
                    progress(len(out), len(self.specs))
        finally:
            self.close()
        return out

    def close(self) -> None:
        global _SIM
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
        _SIM = None


def _warm_up() -> None:
    """Import matplotlib's SVG backend and register the Korean font (before forking)."""
    from matplotlib.backends import backend_svg  # noqa: F401

    from kpisim import plot

    plot.korean_font()


#: The figures of the report being built (set by :func:`report`).
_FIGS: _Figures | None = None


def _figure(spec: Spec, figsize: tuple[float, float] | None) -> str:
    """The inline SVG of a figure (a placeholder while :func:`report` builds the page)."""
    if _FIGS is not None:
        return _FIGS.add(spec, figsize)
    return _render_spec(spec, figsize, 0)  # pragma: no cover - report() sets _FIGS


@contextlib.contextmanager
def collecting(sim: Any) -> Iterator[_Figures]:
    """While inside, :func:`_figure` queues each figure on workers for ``sim``.

    One report is built at a time (a lock): the figures of the page being
    built and the simulation the forked workers draw from are this module's.
    """
    global _FIGS
    with _LOCK:
        _FIGS = figures = _Figures(sim)
        try:
            yield figures
        finally:
            figures.close()
            _FIGS = None

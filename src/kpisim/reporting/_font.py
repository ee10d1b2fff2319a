"""The embedded Korean font: a subset of NanumGothic with the page's glyphs, cached.
"""

from __future__ import annotations

import base64
import functools
import io
import re
from pathlib import Path

from kpisim._safeio import write_text
from kpisim.reporting._page import _FONT

#: Options of the subset; part of the cache key (a change makes new cache files).
_SUBSET_VERSION = "woff-names12-noTSI-keepbbox-1"


def _cache_dir() -> Path | None:
    """Where font subsets are kept between runs: ``$KPISIM_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/kpisim`` or ``~/.cache/kpisim``; None when
    ``KPISIM_CACHE_DIR`` is empty (no cache)."""
    import os

    env = os.environ.get("KPISIM_CACHE_DIR")
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kpisim"


@functools.lru_cache(maxsize=8)
def _font_subset(path: str, size: int, mtime: float, chars: str) -> str:
    """The WOFF subset of font file ``path`` covering ``chars``, base64.

    Cached per process and, as a file named by the hash of its inputs (font
    file, fontTools version, options, characters), between runs (see
    :func:`_cache_dir`): a report of the same catalog reuses it. A cache that
    cannot be read or written is ignored; the subset is then made here, the
    same bytes either way.
    """
    import hashlib

    import fontTools

    key = hashlib.sha256("\x00".join([path, str(size), repr(mtime), fontTools.version,
                                       _SUBSET_VERSION, chars]).encode()).hexdigest()
    where = _cache_dir()
    cached = None if where is None else where / f"font-{key[:32]}.woff.b64"
    if cached is not None:
        try:
            data = cached.read_text(encoding="ascii")
            if data and re.fullmatch(r"[A-Za-z0-9+/=]+", data):
                return data
        except (OSError, UnicodeDecodeError):
            pass
    data = _make_subset(path, chars)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            write_text(cached, data)
        except OSError:  # a read-only home: no cache, same subset
            pass
    return data


def _make_subset(path: str, chars: str) -> str:
    """Subset the font: the glyphs are copied as they are (no bounding boxes
    recomputed: the subset's outlines are the font's own), which keeps it cheap."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [1, 2]  # family and style names only
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]  # hinting sources
    font = TTFont(path, recalcTimestamp=False, recalcBBoxes=False)  # byte-reproducible
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.flavor = "woff"
    font.save(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _font_face(page_text: str) -> str:
    """@font-face with the subset of the Korean font covering ``page_text``."""
    from kpisim import plot

    _, path = plot.korean_font()
    if path is None or path.suffix.lower() not in (".ttf", ".otf"):
        return ""
    try:
        import fontTools  # noqa: F401
    except ImportError:  # pragma: no cover - fontTools ships with matplotlib
        return ""
    stat = path.stat()
    data = _font_subset(str(path), stat.st_size, stat.st_mtime,
                        "".join(sorted(set(page_text))))
    return (f'@font-face{{font-family:"{_FONT}";font-display:swap;'
            f'src:url(data:font/woff;base64,{data}) format("woff")}}')

"""Sphinx configuration of the kpisim documentation.

Build (warnings are errors):

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The build needs no network. MathJax is loaded from its CDN only when a page
with formulas is *viewed*.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import kpisim

project = "kpisim"
author = "kpisim developers"
copyright = "kpisim developers"
release = kpisim.__version__
version = ".".join(release.split(".")[:2])
language = "en"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# -- MyST: Markdown pages with $…$ / $$…$$ math and heading anchors ---------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

# -- autodoc / autosummary / numpydoc --------------------------------------
autosummary_generate = False  # the API pages document objects in place
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"  # numpydoc's Parameters sections carry the types
autodoc_preserve_defaults = True
numpydoc_show_class_members = False  # members are listed by autodoc itself
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- HTML -------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"kpisim {release}"
html_static_path: list[str] = ["_static"]
html_css_files = ["kpisim-ko.css"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = False


# -- Korean web font ---------------------------------------------------------
# Every page must show Hangul on a machine without Korean fonts, so the site
# carries the face the HTML report embeds (kpisim.plot's NanumGothic, SIL OFL),
# subset to the characters of the docs' sources, the examples and notebooks they
# include, and the package's docstrings and messages (what autodoc can put on a page): a few hundred kB, written at
# build time next to _static/kpisim-ko.css (tests/test_docs_font.py checks it).
def _korean_web_font() -> str:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    from kpisim.plot import korean_font

    _, path = korean_font()
    if path is None:  # pragma: no cover - koreanize-matplotlib is a core dependency
        msg = "no Korean font found for the docs (install koreanize-matplotlib)"
        raise RuntimeError(msg)
    here = Path(__file__).parent
    places = [here, here.parent / "examples", here.parent / "notebooks",
              Path(kpisim.__file__).parent]  # pages include examples and docstrings
    sources = [f for d in places if d.is_dir() for f in d.rglob("*")
               if f.suffix in {".md", ".py", ".yaml", ".yml", ".csv", ".ipynb", ".txt"}]
    chars = {chr(c) for c in range(0x20, 0x7F)} | set("가나다라마바사아자차카타파하")
    for src in sources:
        if "_build" not in src.parts:
            chars |= set(src.read_text(encoding="utf-8", errors="ignore"))
    chars = {c for c in chars if c.isprintable()}
    options = subset.Options()
    options.flavor = "woff"
    options.name_IDs = [1, 2]
    options.drop_tables += ["TSI0", "TSI1", "TSI2", "TSI3", "TSI5"]
    font = TTFont(str(path))
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    out = Path(tempfile.mkdtemp(prefix="kpisim-docs-font-"))
    font.flavor = "woff"
    font.save(str(out / "kpisim-ko.woff"))
    return str(out)


html_static_path.append(_korean_web_font())

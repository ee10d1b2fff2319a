"""The docs show Korean on a machine without Korean fonts (the bundled web font).

Needs the built HTML docs (``python -m sphinx -b html docs docs/_build/html``;
another directory via ``KPISIM_DOCS_HTML``, as ``.ci/run`` does after its build)
and Chromium at /usr/bin/chromium; skips cleanly without either.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = Path(os.environ.get("KPISIM_DOCS_HTML", ROOT / "docs" / "_build" / "html"))
CHROMIUM = Path("/usr/bin/chromium")
HANGUL = re.compile(r"[\uac00-\ud7a3]")

pytestmark = pytest.mark.skipif(
    not (DOCS / "ko.html").is_file(),
    reason=f"needs the built docs in {DOCS} (sphinx -b html docs {DOCS}, or KPISIM_DOCS_HTML)",
)

# Run in the page once its fonts are ready; the verdict goes into the DOM.
_CHECK = """
<script>
(async () => {
  await document.fonts.load('16px "kpisim-ko"', '한');
  await document.fonts.ready;
  const main = document.querySelector('article') || document.body;
  const chars = [...new Set(main.innerText.match(/[\\uac00-\\ud7a3]/g) || [])];
  const ctx = document.createElement('canvas').getContext('2d');
  const width = (font, ch) => { ctx.font = font; return ctx.measureText(ch).width; };
  const ref = width('16px "kpisim-ko"', '가');
  const faces = [];
  document.fonts.forEach(f => faces.push([f.family.replace(/"/g, ''), f.status]));
  document.body.dataset.fontcheck = JSON.stringify({
    n: chars.length,
    check: document.fonts.check('16px "kpisim-ko"', '한글'),
    family: getComputedStyle(main).fontFamily,
    loaded: faces.some(([fam, st]) => fam === 'kpisim-ko' && st === 'loaded'),
    odd: chars.filter(ch => Math.abs(width('16px "kpisim-ko"', ch) - ref) > 0.01),
  });
})();
</script>
"""


def _page_hangul(page: Path) -> set[str]:
    text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.read_text(encoding="utf-8"),
                  flags=re.S)
    return set(HANGUL.findall(html.unescape(re.sub(r"<[^>]+>", " ", text))))


def test_bundled_font_covers_every_hangul_glyph_of_the_docs():
    from fontTools.ttLib import TTFont

    font = DOCS / "_static" / "kpisim-ko.woff"
    assert font.is_file(), "docs/conf.py did not bundle the Korean web font"
    css = (DOCS / "_static" / "kpisim-ko.css").read_text(encoding="utf-8")
    assert "kpisim-ko.woff" in css
    assert "kpisim-ko.css" in (DOCS / "ko.html").read_text(encoding="utf-8")
    cmap = TTFont(str(font)).getBestCmap()
    for page in sorted(DOCS.rglob("*.html")):
        missing = sorted(c for c in _page_hangul(page) if ord(c) not in cmap)
        assert not missing, f"{page.relative_to(DOCS)}: no glyph for {''.join(missing[:20])}"


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_korean_page_renders_with_the_bundled_font(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(DOCS, site)
    page = site / "ko_fontcheck.html"
    text = (site / "ko.html").read_text(encoding="utf-8")
    page.write_text(text.replace("</body>", _CHECK + "</body>"), encoding="utf-8")
    run = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr[-2000:]
    found = re.search(r'data-fontcheck="([^"]*)"', run.stdout)
    assert found, "the font check did not run in the page"
    result = json.loads(html.unescape(found.group(1)))
    assert result["n"] > 100  # the page is Korean
    assert result["loaded"], result
    assert result["check"], result
    assert result["family"].strip().strip('"').startswith("kpisim-ko"), result["family"]
    assert not result["odd"], f"Hangul drawn by another font: {''.join(result['odd'][:20])}"

"""One Korean/English message catalogue for every user-facing sentence.

Every sentence kpisim shows a person (table headers, assumptions, audit
verdicts, notes, report sections, CLI lines) is looked up here by key, so that
``lang="ko"`` (the default) and ``lang="en"`` switch all of it together.

The catalogue lives in ``kpisim/data/_messages/*.yaml``, one file per area
(``cli.yaml``, ``report.yaml``, ``audit.yaml``, ...). Each file maps a key to
its two texts::

    audit.verdict.exact:
      ko: "규칙과 정확히 일치"
      en: "follows the rule exactly"
    sim.note.clipped:
      ko: "{n}개 경로가 ±50 로그 단위에서 잘렸습니다"
      en: "{n} paths were clipped at ±50 log units"

Keys are unique across files, both languages are required, and both texts of
a key use the same ``{placeholders}`` (checked when the catalogue loads and
by ``tests/test_messages.py``).
"""

from __future__ import annotations

import string
from functools import cache
from importlib import resources
from typing import Any

import yaml

from kpisim._errors import LANGS, check_lang

__all__ = ["LANGS", "Msg", "check_lang", "in_lang", "keys", "text"]

#: Messages are all strings: the base loader (no implicit typing), libyaml's when available.
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def _fields(template: str) -> frozenset[str]:
    return frozenset(
        name.split(".")[0].split("[")[0]
        for _, name, _, _ in string.Formatter().parse(template)
        if name
    )


@cache
def _catalogue() -> dict[str, dict[str, str]]:
    root = resources.files("kpisim") / "data" / "_messages"
    out: dict[str, dict[str, str]] = {}
    origin: dict[str, str] = {}
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".yaml"):
            continue
        data = yaml.load(entry.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        if not isinstance(data, dict):
            msg = f"message file {entry.name}: expected a mapping of keys"
            raise RuntimeError(msg)
        for key, texts in data.items():
            if key in out:
                msg = f"message key {key!r} defined in both {origin[key]} and {entry.name}"
                raise RuntimeError(msg)
            if not isinstance(texts, dict) or set(texts) != set(LANGS):
                msg = f"message {key!r} in {entry.name} needs exactly the keys ko and en"
                raise RuntimeError(msg)
            if _fields(str(texts["ko"])) != _fields(str(texts["en"])):
                msg = f"message {key!r} in {entry.name}: ko and en use different placeholders"
                raise RuntimeError(msg)
            out[str(key)] = {lang: str(texts[lang]) for lang in LANGS}
            origin[str(key)] = entry.name
    return out


def text(key: str, lang: str = "ko", /, **fields: Any) -> str:
    """The sentence ``key`` in ``lang``, with ``fields`` filled in.

    Parameters
    ----------
    key : str
        A catalogue key such as ``"audit.verdict.exact"``.
    lang : {"ko", "en"}
        Language; Korean is the default.
    **fields
        Values for the template's ``{placeholders}``.

    Raises
    ------
    KeyError
        If the key is not in the catalogue (a programming error, not input).
    """
    check_lang(lang)
    template = _catalogue()[key][lang]
    return template.format(**fields) if fields else template


def keys() -> list[str]:
    """All catalogue keys, sorted."""
    return sorted(_catalogue())


class Msg(str):
    """A catalogue sentence that remembers its key, so it can be shown in any language.

    A ``Msg`` *is* its English text (``str(m)``, ``m == "..."``, ``"x" in m``
    all see English, so code that stores assumption sentences as ``str`` keeps
    working) and :meth:`in_lang` renders it in another language. Fields that
    are themselves ``Msg`` are rendered in the same language.

    >>> m = Msg("common.yes")
    >>> str(m), m.in_lang("ko")
    ('yes', '예')
    """

    key: str
    fields: dict[str, Any]

    def __new__(cls, key: str, /, **fields: Any) -> Msg:
        self = super().__new__(cls, _render(key, "en", fields))
        self.key = key
        self.fields = fields
        return self

    def in_lang(self, lang: str = "ko") -> str:
        """The sentence in ``lang``."""
        return _render(self.key, lang, self.fields)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_msg, (self.key, self.fields))


def _msg(key: str, fields: dict[str, Any]) -> Msg:
    return Msg(key, **fields)


def _render(key: str, lang: str, fields: dict[str, Any]) -> str:
    return text(key, lang, **{k: in_lang(v, lang) if isinstance(v, Msg) else v
                              for k, v in fields.items()})


def in_lang(s: Any, lang: str = "ko") -> str:
    """``s`` in ``lang`` if it is a :class:`Msg`, else ``str(s)`` unchanged."""
    return s.in_lang(lang) if isinstance(s, Msg) else str(s)

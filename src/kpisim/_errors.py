"""The base of every kpisim error and the language check, below the messages and the errors.

:class:`KpisimError` and :func:`check_lang` live here, under both
:mod:`kpisim._messages` (whose lookups check the language and raise
:class:`KpisimError`) and :mod:`kpisim._validation` (whose errors render
through the message catalogue), so that neither of those two imports the
other's importer. Both re-export what they take from here; import them from
there.
"""

from __future__ import annotations

__all__ = ["LANGS", "KpisimError", "check_lang"]

LANGS = ("ko", "en")


class KpisimError(ValueError):
    """Base class of every error kpisim raises about the user's input."""

    def in_lang(self, lang: str = "ko") -> str:
        """The message in ``lang`` (``"ko"`` or ``"en"``).

        A message built from the message catalogue (a :class:`kpisim._messages.Msg`)
        is rendered in ``lang``; any other message is returned as it is
        (``str(self)``, English).
        """
        check_lang(lang)
        message = self.args[0] if len(self.args) == 1 else None
        if isinstance(message, str) and callable(getattr(message, "in_lang", None)):
            return message.in_lang(lang)  # a Msg: a str that renders in either language
        return str(self)


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise :class:`KpisimError`.

    (A ``ValueError`` subclass, as before.)
    """
    if not isinstance(lang, str) or lang not in LANGS:
        msg = f"`lang` must be one of {', '.join(map(repr, LANGS))}; got {lang!r}"
        raise KpisimError(msg)
    return lang

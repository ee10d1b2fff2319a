"""The message catalogue: both languages for every key, same placeholders."""

import string

import pytest

from kpisim import _messages


def test_every_key_has_both_languages_and_same_fields():
    keys = _messages.keys()
    assert keys, "the catalogue is empty"
    for key in keys:
        ko = _messages.text(key, "ko")
        en = _messages.text(key, "en")
        assert ko.strip(), key
        assert en.strip(), key
        names = [{f for _, f, _, _ in string.Formatter().parse(t) if f} for t in (ko, en)]
        assert names[0] == names[1], key


def test_korean_is_default_and_unknown_lang_refused():
    assert _messages.text("common.yes") == "예"
    assert _messages.text("common.yes", "en") == "yes"
    with pytest.raises(ValueError, match="lang"):
        _messages.text("common.yes", "fr")

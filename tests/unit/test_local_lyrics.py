"""The offline lyrics provider (the adapter over the composer engine). The composer's own rules, over
the benchmark's briefs, are in test_engine_composer.py."""
from __future__ import annotations

import pytest

from songcraft.engines.composer import UnsupportedLanguage, compose_lyrics
from songcraft.providers.errors import ProviderError
from songcraft.providers.lyrics.base import SongBrief
from songcraft.providers.lyrics.local import LocalLyricsProvider

BRIEF = SongBrief(recipient_name="Maya", occasion="birthday", genre="pop", mood="joyful",
                  story="We met in Lisbon at a tiny jazz bar. Maya loves her dog Biscuit.")


def test_provider_is_named_local_and_writes_english():
    assert LocalLyricsProvider.name == "local"
    assert LocalLyricsProvider.languages == ("en",)


def test_it_writes_what_the_composer_writes():
    lyrics = LocalLyricsProvider().write(BRIEF)

    assert lyrics == compose_lyrics(BRIEF)
    assert "Maya" in lyrics.as_text() and "You love your dog Biscuit" in lyrics.lines


def test_another_language_is_a_permanent_provider_error_naming_the_setting():
    with pytest.raises(ProviderError, match="LYRICS_PROVIDER") as refused:
        LocalLyricsProvider().write(SongBrief(**{**BRIEF.__dict__, "language": "fr"}))
    assert isinstance(refused.value, UnsupportedLanguage)

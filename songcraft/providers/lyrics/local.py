"""The offline lyrics provider: a thin adapter over the composer engine (`songcraft.engines.composer`).

No network, no model, no key: deterministic per brief, English only (`languages`).
"""
from __future__ import annotations

from songcraft.engines.composer import LANGUAGES, compose_lyrics
from songcraft.providers.lyrics.base import Lyrics, SongBrief


class LocalLyricsProvider:
    """Composes lyrics on this machine, for free, in a few milliseconds."""

    name = "local"
    languages = LANGUAGES  # what the API may accept with this provider; others raise UnsupportedLanguage

    def write(self, brief: SongBrief) -> Lyrics:
        return compose_lyrics(brief)

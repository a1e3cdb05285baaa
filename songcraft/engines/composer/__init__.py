"""The offline lyrics composer: a brief in, English lyrics that tell the customer's story out.

No network and no model, deterministic per brief and seed: the verses sing the story in its own
words and order (`story`), the chorus greets the recipient by name for the occasion (`occasions`),
and lines of our own (`lines`) answer, rhyme and bridge without inventing anything.
"""
from __future__ import annotations

from songcraft.engines.composer.writer import write_song
from songcraft.providers.errors import ProviderError
from songcraft.providers.lyrics.base import Lyrics, SongBrief

LANGUAGES = ("en",)


class UnsupportedLanguage(ProviderError):
    """The offline composer writes English only. The API turns this into a 422 before anything is paid for."""

    def __init__(self, language: str) -> None:
        super().__init__(
            f"The built-in lyrics composer writes English only, not '{language}'. Songs in other languages need "
            "LYRICS_PROVIDER=openai (with OPENAI_API_KEY), or lyrics written by the customer (custom_lyrics)."
        )
        self.language = language


def compose_lyrics(brief: SongBrief) -> Lyrics:
    """Lyrics for the brief. Raises UnsupportedLanguage for a language other than English."""
    language = (brief.language or "en").strip().lower()
    if language not in LANGUAGES:
        raise UnsupportedLanguage(language)
    return write_song(brief)


__all__ = ["LANGUAGES", "UnsupportedLanguage", "compose_lyrics"]

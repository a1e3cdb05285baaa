"""What a song can be with the configured providers: the choices `GET /songs/options` publishes for a
frontend's form, and the language rule the API applies with the same facts.

Every language of the list is sung, by Suno as written and by the offline synthesizer with its
espeak-ng voice; which ones can have their lyrics *written* for the customer depends on the lyrics
provider (`languages`: the offline composer writes English only, OpenAI every one). The others
need the customer's own lyrics (`custom_lyrics`).
"""
from __future__ import annotations

from flask import current_app

from config import GENRES, LANGUAGES, MOODS
from songcraft.engines.synth import VOCAL_STYLES, default_vocal_style
from songcraft.orders.catalogue import all_products

VOCAL_STYLE_NAMES = {"female": "Female voice", "male": "Male voice", "duet": "Duet: a female and a male voice"}


def written_languages() -> tuple[str, ...]:
    """The languages the configured lyrics provider writes in."""
    return tuple(current_app.extensions["lyrics_provider"].languages)


def why_lyrics_cannot_be_written(language: str) -> str | None:
    """Why lyrics in `language` cannot be written for the customer, naming the setting that enables
    it; None when they can."""
    if language in written_languages():
        return None
    name = LANGUAGES[language]
    return (f"The configured lyrics writer cannot write {name} lyrics. Songs in {name} need LYRICS_PROVIDER=openai "
            "(with OPENAI_API_KEY), or lyrics of your own (custom_lyrics).")


def song_options() -> dict:
    written = written_languages()
    return {
        "genres": [{"id": genre, "default_vocal_style": default_vocal_style(genre)} for genre in GENRES],
        "moods": list(MOODS),
        "languages": [{"code": code, "name": name, "custom_lyrics_only": code not in written} for code, name in LANGUAGES.items()],
        "vocal_styles": [{"id": style, "name": VOCAL_STYLE_NAMES[style]} for style in VOCAL_STYLES],
        "products": all_products(),
    }

"""Who sings: the vocal styles (female, male, duet), their espeak-ng voices and their registers.

Each voice is generated near the middle of the notes it sings, so the pitch shift stays small
(about half an octave either way), and its formants are raised by at most 1.1x: larger raises
cost intelligibility even in plain speech.
"""
from __future__ import annotations

from dataclasses import dataclass

from songcraft.engines.synth.espeak import LANGUAGE_FILES, Voice

VOCAL_STYLES = ("female", "male", "duet")
LANGUAGES = tuple(LANGUAGE_FILES)

_FEMALE_TRAITS = """
gender female
pitch 140 240
formant 0 105  80 150
formant 1 108  80 150
formant 2 110  75 150
formant 3 110  80 150
formant 4 110  80 150
formant 5 110  80 150
formant 6 110  70 150
formant 7 110  70 150
formant 8 110  70 150
flutter 0
roughness 0
"""
_MALE_TRAITS = """
gender male
pitch 80 122
formant 0 100 100 100
formant 1 100 100 100
formant 2 100 100 100
formant 3 100 100 100
formant 4 100 100 100
flutter 0
roughness 0
"""


@dataclass(frozen=True)
class Singer:
    traits: str  # espeak-ng voice-variant lines
    pitch: int  # espeak's pitch parameter (the voice is monotone at this pitch)
    transpose: int  # semitones from the written melody to the sung notes

    def voice(self, language: str) -> Voice:
        return Voice(language, self.traits, self.pitch)


FEMALE = Singer(_FEMALE_TRAITS, 75, 0)
MALE = Singer(_MALE_TRAITS, 70, -12)
_SINGERS = {"female": (FEMALE,), "male": (MALE,), "duet": (FEMALE, MALE)}

_GENRE_VOICES = {
    "rap": "male", "rock": "male", "funk": "male", "country": "male", "synthwave": "male",
    "pop": "female", "acoustic": "female", "jazz": "female", "electropop": "female", "lo-fi": "female", "ballad": "female",
}


def default_vocal_style(genre: str) -> str:
    """The voice a genre is sung in when the customer does not choose one."""
    return _GENRE_VOICES.get(genre.strip().lower(), "female")


def singers_for(vocal_style: str | None, genre: str) -> tuple[Singer, ...]:
    """The singers of a song, in the order they take lines (a duet alternates)."""
    return _SINGERS.get(vocal_style or default_vocal_style(genre), _SINGERS[default_vocal_style(genre)])

"""Opening clauses for lines, by genre, mood and story detail.

An opening is a short clause (2-6 syllables) that any ending from
``local_rhymes`` can follow. Slots in braces are filled from the brief:
``{name}``, and for story openings ``{detail}``.
"""
from __future__ import annotations

import re

DEFAULT_GENRE = "pop"
DEFAULT_MOOD = "joyful"

GENRE_OPENINGS: dict[str, tuple[str, ...]] = {
    "pop": ("we're dancing", "turn the music up", "sing it out loud", "our hearts are racing",
            "the room is glowing", "we move together", "the chorus lifts us"),
    "rap": ("yo, we running it", "mic in my hand", "hear the beat drop", "we rolling deep",
            "stay on the grind", "the crowd is bouncing", "I spit these verses"),
    "rock": ("turn the amps up", "we're shouting loud", "guitars are screaming", "feel the thunder",
             "the drums are pounding", "we shake the walls"),
    "acoustic": ("I strum this old guitar", "a simple melody", "six strings are ringing",
                 "the campfire crackles", "we sing it softly", "my fingers on the frets"),
    "jazz": ("the trumpet softly plays", "we swing together", "the piano's humming",
             "a little blue note", "the bass line walks", "the saxophone sighs"),
    "funk": ("feel the groove", "the bass is popping", "we're getting down", "shake your body",
             "the horns are blasting", "we slide across"),
    "country": ("on the old front porch", "the pickup's rolling", "our boots are stomping",
                "the fiddle's playing", "the dust is flying", "the creek is singing"),
    "electropop": ("the synths are flashing", "the neon's pulsing", "the beat is dropping",
                   "the lasers glowing", "we're plugged in", "the speakers thumping"),
    "lo-fi": ("the rain is tapping", "the coffee's getting cold", "the record crackles",
              "slow beats are playing", "the lamp is low", "we're drifting slowly"),
    "synthwave": ("we're cruising in chrome", "neon on the highway", "the tape deck's spinning",
                  "the city glows", "retro dreams are calling", "we drive forever"),
    "ballad": ("I hold you close", "a candle burns", "my heart is open", "I whisper softly",
               "the world slows down", "I sing to you"),
}

MOOD_OPENINGS: dict[str, tuple[str, ...]] = {
    "joyful": ("we're laughing", "the sun is shining", "our hearts are dancing", "we celebrate",
               "happiness is calling", "we're jumping"),
    "romantic": ("I fall for you", "your hand in mine", "I'm lost in your eyes", "my heart is yours",
                 "we hold each other", "I'm dreaming of you"),
    "emotional": ("my eyes are wet", "you mean the world", "I carry you", "thank you for everything",
                  "you held me up", "I feel it deeply"),
    "playful": ("you're a little crazy", "we're goofing around", "you stole my fries", "we're silly",
                "you dance like a penguin", "we giggle"),
    "ironic": ("sure, we're so mature", "we totally planned this", "what could go wrong",
               "so elegant, so calm", "we're definitely fine", "nothing to see here"),
    "nostalgic": ("I still remember", "those were the days", "we were so young", "old photographs",
                  "the years fly by", "we used to dream"),
    "epic": ("we rise like giants", "the thunder roars", "we conquer mountains", "legends are written",
             "the drums of glory", "we stand as one"),
}

# Openings that carry one detail from the story, by the detail's kind.
STORY_OPENINGS: dict[str, tuple[str, ...]] = {
    "place": ("back in {detail}", "we were dancing in {detail}", "we found our way to {detail}",
              "I think of {detail}", "we wandered through {detail}", "all the way from {detail}"),
    "thing": ("I still think about {detail}", "there was {detail}", "I can still see {detail}",
              "remember {detail}", "nothing compares to {detail}", "we laugh about {detail}"),
    "pastime": ("we went {detail}", "you love {detail}", "{detail} with you",
                "{detail} together", "you were {detail}"),
    "person": ("{detail} is with us", "with {detail} beside you", "{detail} is singing",
               "{detail} is laughing"),
}

# Openings for verses when the story gives too few details.
NAME_OPENINGS = ("{name}, you shine", "{name}, here we are", "look at you, {name}",
                 "{name}, you're golden", "{name}, you light it up", "we sing for {name}")

_ALIASES = {"lofi": "lo-fi", "lo fi": "lo-fi", "electro-pop": "electropop", "electro pop": "electropop",
            "synth-wave": "synthwave", "synth wave": "synthwave", "hip-hop": "rap", "hip hop": "rap",
            "folk": "acoustic", "soul": "ballad", "r&b": "ballad"}


def genre_key(genre: str) -> str:
    """The bank key for a free-text genre; unknown genres sing like pop."""
    cleaned = re.sub(r"[\s_]+", " ", genre.strip().lower())
    cleaned = _ALIASES.get(cleaned, cleaned)
    return cleaned if cleaned in GENRE_OPENINGS else DEFAULT_GENRE


def mood_key(mood: str) -> str:
    """The bank key for a free-text mood; unknown moods sing joyful."""
    cleaned = mood.strip().lower()
    return cleaned if cleaned in MOOD_OPENINGS else DEFAULT_MOOD

"""The composer's own lines: answers to the story's lines, bridges by mood, and a touch of each genre.

Every line here speaks of feelings, time and the two people only: no weather, season, place or
third person, so nothing in the song contradicts the story the customer told. Each is used at most
once per song. The composer picks an answer that rhymes with the story line before it.
"""
from __future__ import annotations

# Answers: each follows a line of the story and rhymes with it when it can.
ANSWERS: tuple[str, ...] = (
    "and I think of it every day", "you always find a way", "there is more than words can say",
    "and it took my breath away", "you made everything okay", "in your own wonderful way",
    "and I will always stand by you", "every word of it is true", "there is nothing you can't do",
    "you have always seen it through", "and the world felt brand new", "I would do it all for you",
    "you mean the world to me", "it was always meant to be", "it is plain for all to see",
    "the best that we could be", "you were in my heart from the start", "and we never drift apart",
    "a true work of art", "and it always felt so right", "so I hold these moments tight",
    "you are still my guiding light", "you have come so far", "I love you just the way you are",
    "you have always been a star", "I would do it one more time", "every single time",
    "and you make the whole world shine", "and it suits you fine", "and it always makes me smile",
    "it was worth it all the while", "you have got a heart of gold", "the sweetest story ever told",
    "a memory I hold", "and we only watched it grow", "you are the best I know",
    "and it makes my whole heart glow", "and I love you even more", "like nothing seen before",
    "that's what all the songs are for", "through the laughter and the tears", "and it's worth all of the years",
    "you were there through it all", "and you answer every call", "no kindness is too small",
    "you are always on my mind", "you're the rarest kind", "the best friend I could find",
    "to the very end", "you are more than just a friend", "and you make us all so proud",
    "so we sing it out loud", "you have been so brave and strong", "and that's why we wrote this song",
    "you were right all along", "nobody could take your place", "with a smile on your face",
    "more than I could ever dream", "you are more than you seem", "wherever you may go",
    "I would do it all again", "and I'm by your side", "and we watch you with pride",
    "what a ride", "the best thing I ever found", "you never let us down",
    "and I'd do it just the same", "nothing ever stays the same", "and that's the story of us",
    "and you never once gave up", "you lift each other up", "every step you take",
    "there is nothing you can't make", "you were worth the wait", "and it all turned out great",
    "and it sets my heart free", "and you did it perfectly", "and the joy is all we need",
    "with a heart that's full of light", "and you got it just right", "my favourite memory",
    "you make the ordinary fine", "we were laughing half the time", "and you are right on time",
    "you remember every name", "and you never looked for fame", "you were always there for me",
)

# Bridges by mood: couplets that step back from the story.
BRIDGES: dict[str, tuple[tuple[str, str], ...]] = {
    "joyful": (("so let the music play", "we'll celebrate you all the way"),
               ("turn it up and sing along", "you're the reason for this song"),
               ("every day with you's a gift", "you give our hearts a lift")),
    "romantic": (("if I could live it all again", "I'd find you sooner than I did then"),
                 ("hold my hand and never let go", "there is something you should know"),
                 ("every heartbeat says your name", "and my world is not the same")),
    "emotional": (("I don't say it often enough", "but you're the one I'm thinking of"),
                  ("when the days were hard and long", "you were the one who kept me strong"),
                  ("thank you for the love you gave", "and for every heart you saved")),
    "playful": (("we are silly, we are loud", "and we're weird and we are proud"),
                ("nobody else could be like you", "nobody else would even try to"),
                ("laugh with me till we can't breathe", "that's the best thing we achieve")),
    "ironic": (("of course we planned it all along", "that is why we wrote this song"),
               ("nothing ever went to plan", "and we'd do it again, we can"),
               ("so elegant, so calm, so wise", "we're a masterpiece in disguise")),
    "nostalgic": (("I still remember how it felt", "every card the years have dealt"),
                  ("the years go by so fast", "but the good things always last"),
                  ("if I could go back for a day", "I would live it the same way")),
    "epic": (("we rise together, hand in hand", "this is where the legends stand"),
             ("nothing ever held you back", "you stayed on the bravest track"),
             ("let the drums of glory sound", "the greatest story we have found")),
}

# One line of each genre, sung in the bridge: the music talks about itself, never about a place.
GENRE_LINES: dict[str, str] = {
    "pop": "so sing it with me one more time", "rap": "drop the beat and let me say it right",
    "rock": "turn the guitars up loud tonight", "acoustic": "six strings and a simple tune for you",
    "jazz": "let the trumpet play it soft and low", "funk": "feel the bass and let it move you",
    "country": "let the fiddle sing it through", "electropop": "let the synths light up the sound",
    "lo-fi": "slow beats and a melody for you", "synthwave": "let the synths roll on and on",
    "ballad": "let the piano say it too",
}

DEFAULT_GENRE, DEFAULT_MOOD = "pop", "joyful"
_ALIASES = {"lofi": "lo-fi", "lo fi": "lo-fi", "electro-pop": "electropop", "electro pop": "electropop",
            "synth-wave": "synthwave", "synth wave": "synthwave", "hip-hop": "rap", "hip hop": "rap",
            "folk": "acoustic", "soul": "ballad", "r&b": "ballad"}


def genre_key(genre: str) -> str:
    """The bank key for a free-text genre; unknown genres sing like pop."""
    cleaned = " ".join(genre.strip().lower().replace("_", " ").split())
    cleaned = _ALIASES.get(cleaned, cleaned)
    return cleaned if cleaned in GENRE_LINES else DEFAULT_GENRE


def mood_key(mood: str) -> str:
    """The bank key for a free-text mood; unknown moods sing joyful."""
    cleaned = mood.strip().lower()
    return cleaned if cleaned in BRIDGES else DEFAULT_MOOD

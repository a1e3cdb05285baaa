"""The curated bank of line endings, grouped by the sound they rhyme on.

Every line of a song is an opening clause plus one of these endings, so the
ending carries the rhyme. Each ending is an adverbial or loose phrase that
can follow almost any clause ("we were dancing" + "all through the night");
a leading comma marks an ending that reads as its own little clause.
Every family's last words rhyme with each other under the CMU dictionary;
the tests check that.
"""
from __future__ import annotations

ENDINGS: dict[str, tuple[str, ...]] = {
    "night": ("all through the night", "under the light", "burning so bright", "holding on tight",
              "in the city light", "till the morning light", "tonight", "taking flight"),
    "day": ("every single day", "along the way", ", come what may", "in every way",
            "far away", "today", "on a summer day", "in our own way"),
    "shore": ("like never before", "down by the shore", "on the dance floor", "through every door",
              "and so much more", "forever more", "evermore", "on the floor"),
    "star": ("wherever you are", "like a shooting star", ", near or far", "under a lucky star",
             "from afar", "in a rusty old car"),
    "time": ("one more time", "all the time", "right on time", "for all time",
             "in perfect rhyme", "up for the climb", "in our prime", ", so sublime"),
    "heart": ("straight from the heart", "right from the start", ", never apart", "close to my heart",
              "a brand new start", "like a work of art", "from the start", ", play your part"),
    "song": ("all night long", "where we belong", "in this song", "all along",
             ", steady and strong", "singing along"),
    "free": (", wild and free", ", you and me", "by the sea", ", just wait and see",
             ", meant to be", ", for all to see"),
    "fire": ("like a wildfire", ", higher and higher", "with burning desire", "lifting us higher",
             "like a choir", ", go higher"),
    "sound": ("all around", ", safe and sound", "off the ground", "to the sweetest sound",
              "on solid ground", "spinning around"),
    "place": ("in this place", "with a smile on your face", "at our own pace", "full of grace",
              "all over the place", ", face to face"),
    "true": ("all for you", ", me and you", "under skies of blue", ", dreams come true",
             ", through and through", "shining through", "the whole night through"),
    "lane": ("down memory lane", "dancing in the rain", "on a midnight train", "through the pouring rain",
             "like a sweet refrain", "down an old country lane", "in the rain", "down the lane"),
    "side": (", side by side", ", far and wide", "with arms open wide", "on a joyride",
             "full of pride", "enjoying the ride"),
    "glow": (", we'll never let go", "moving slow", "in the afterglow", "putting on a show",
             ", nice and slow", ", from head to toe", "in the snow"),
    "town": ("all over town", ", we won't slow down", "wearing a crown", ", never let you down",
             "as the sun goes down", "upside down", ", don't look down", ", wear the crown"),
}

# Endings that flavour a genre; merged into the shared families above.
GENRE_ENDINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "rap": {"night": ("on the mic tonight",), "town": ("running this town",), "glow": ("stealing the show",)},
    "rock": {"night": ("with amps turned up bright",), "sound": ("with a roaring sound",)},
    "country": {"lane": ("down a dusty lane",), "night": ("in the porch light",)},
    "jazz": {"time": ("in swing time",), "glow": ("soft and low",)},
    "funk": {"shore": ("on the funky floor",), "town": ("getting down",)},
    "electropop": {"night": ("in the laser light",), "sound": ("with the bass all around",)},
    "synthwave": {"night": ("in the neon light",), "day": ("on the highway",)},
    "lo-fi": {"lane": ("in the gentle rain",), "glow": ("with the lamp turned low",)},
    "acoustic": {"song": ("with a simple song",), "lane": ("a quiet refrain",)},
    "ballad": {"heart": ("deep in my heart",), "free": ("on bended knee",)},
    "pop": {"shore": ("on the dance floor",), "night": ("in the spotlight",)},
}


def endings_for(genre: str) -> dict[str, tuple[str, ...]]:
    """The shared endings plus the genre's own, family by family."""
    extras = GENRE_ENDINGS.get(genre, {})
    return {family: endings + extras.get(family, ()) for family, endings in ENDINGS.items()}

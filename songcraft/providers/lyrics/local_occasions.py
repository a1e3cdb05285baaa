"""What each occasion sings in its chorus, and the titles it suggests.

Occasions are free text, so they are matched by keyword; anything unknown
gets the all-purpose celebration.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Occasion:
    keywords: tuple[str, ...]  # regexes matched at the start of a word
    # Chorus openings; the first few name the recipient so the hook does.
    hooks: tuple[str, ...]
    titles: tuple[str, ...]


OCCASIONS: tuple[Occasion, ...] = (
    Occasion(("baby", "birth of", "newborn"),
             ("welcome, little {name}", "{name}, you're finally here", "sweet dreams, {name}",
              "tiny hands and toes", "the world is new", "we rock you gently"),
             ("Welcome, {name}", "Little {name}", "Sweet Dreams, {name}")),
    Occasion(("birth",),
             ("happy birthday, {name}", "{name}, make a wish", "another year for {name}",
              "blow the candles out", "raise a glass", "the cake is glowing"),
             ("Happy Birthday, {name}", "Make a Wish, {name}", "Another Year of {name}")),
    Occasion(("anniversar",),
             ("another year with {name}", "we made it, {name}", "{name}, I'd do it all again",
              "still in love", "we keep on going", "our story grows"),
             ("Still Us, {name}", "Another Year with {name}", "{name}, Again and Again")),
    Occasion(("wedding", "marr", "engage", "bride", "groom"),
             ("{name}, you said I do", "a toast to {name}", "the bells are ringing for {name}",
              "two hearts are one", "we throw the rice", "forever starts"),
             ("{name}, Forever Starts Today", "The Bells for {name}", "I Do, {name}")),
    Occasion(("graduat", "degree", "diploma"),
             ("you did it, {name}", "{name}, the world is yours", "caps up, {name}",
              "a brand new chapter", "toss your cap up", "the future's calling"),
             ("You Did It, {name}", "{name}, the World Is Yours", "Caps Up, {name}")),
    Occasion(("retire",),
             ("{name}, you earned this", "no more alarms for {name}", "cheers to {name}",
              "the desk can wait", "the weekend never ends", "freedom is calling"),
             ("{name}, You Earned This", "No More Alarms", "Cheers to {name}")),
    Occasion(("valentin", "sweetheart"),
             ("{name}, be mine", "I'm yours, {name}", "my valentine, {name}",
              "roses for you", "my heart is beating", "I choose you"),
             ("Be Mine, {name}", "{name}, My Valentine", "Roses for {name}")),
    Occasion(("mother", r"moms?\b", r"mums?\b", "mama"),
             ("thank you, {name}", "{name}, you raised me", "we love you, {name}",
              "you held my hand", "you taught me kindness", "you're our home"),
             ("Thank You, {name}", "{name}, You Raised Me", "Home Is {name}")),
    Occasion(("father", r"dads?\b", "papa"),
             ("thank you, {name}", "{name}, you taught me", "we love you, {name}",
              "you built our home", "you fixed it all", "you cheered me on"),
             ("Thank You, {name}", "{name}, You Taught Me", "Our Hero {name}")),
    Occasion(("christmas", "xmas", "holiday", "new year"),
             ("merry christmas, {name}", "snow falls for {name}", "{name}, the lights are on",
              "the fire's warm", "we share the cocoa", "the bells are ringing"),
             ("Merry Christmas, {name}", "Snow for {name}", "Lights On, {name}")),
    Occasion(("farewell", "goodbye", "leaving", "moving"),
             ("so long, {name}", "{name}, we'll miss you", "safe travels, {name}",
              "the door is open", "we wave goodbye", "come back soon"),
             ("So Long, {name}", "We'll Miss You, {name}", "Safe Travels, {name}")),
    Occasion(("get well", "recover", "hospital", "sick"),
             ("get well, {name}", "{name}, stay strong", "we're here, {name}",
              "you're getting stronger", "the sun will rise", "we've got your back"),
             ("Get Well, {name}", "Stay Strong, {name}", "Sunrise for {name}")),
    Occasion(("thank", "appreciat"),
             ("thank you, {name}", "{name}, you helped us", "we owe you, {name}",
              "you showed up", "you gave so much", "we're grateful"),
             ("Thank You, {name}", "All Thanks to {name}", "{name}, You Showed Up")),
    Occasion(("friend",),
             ("here's to you, {name}", "{name}, my best friend", "we ride together, {name}",
              "you always get me", "we share the secrets", "friends forever"),
             ("Here's to You, {name}", "My Friend {name}", "Always {name}")),
)

CELEBRATION = Occasion(
    (),
    ("here's to you, {name}", "{name}, this one's for you", "we celebrate {name}",
     "raise your glasses", "the party's started", "we sing it loud"),
    ("Here's to You, {name}", "A Song for {name}", "{name}'s Song"),
)


def occasion_for(text: str) -> Occasion:
    """The first occasion whose keyword appears in the free text, else the celebration.

    Order matters: "birth of" (a baby) is tried before "birth", "anniversary"
    before "wedding", and "birthday" before "mother".
    """
    lowered = text.lower()
    for occasion in OCCASIONS:
        if any(re.search(r"\b" + keyword, lowered) for keyword in occasion.keywords):
            return occasion
    return CELEBRATION

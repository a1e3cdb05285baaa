"""What each occasion sings in its chorus, and the titles it suggests.

The chorus opens on a greeting that names both the recipient and the occasion, sings a couplet
about the occasion, and closes on the name. Occasions are free text, so they are matched by
keyword; anything unknown gets the all-purpose celebration.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Occasion:
    keywords: tuple[str, ...]  # regexes matched at the start of a word
    greetings: tuple[str, ...]  # chorus openers: the name and the occasion
    couplets: tuple[tuple[str, str], ...]  # the chorus middle: two rhyming lines
    closings: tuple[str, ...]  # chorus closers, naming the recipient
    titles: tuple[str, ...]


_CLOSINGS = ("we love you, {name}", "this one is for you, {name}", "we sing for you, {name}", "here's to you, {name}")

OCCASIONS: tuple[Occasion, ...] = (
    Occasion(("baby", "birth of", "newborn"),
             ("welcome, baby {name}", "our baby {name} is here"),
             (("a brand new life, a brand new start", "you found your way into our heart"),
              ("tiny hands and tiny feet", "now our family is complete")),
             ("we love you, {name}", "sweet dreams, little {name}"),
             ("Welcome, {name}", "Little {name}", "Sweet Dreams, {name}")),
    Occasion(("birth",),
             ("happy birthday, {name}", "happy birthday to you, {name}"),
             (("another year, another start", "we wish you joy with all our heart"),
              ("make a wish and blow them out", "a birthday's what it's all about"),
              ("one more year of being you", "may every birthday wish come true")),
             _CLOSINGS,
             ("Happy Birthday, {name}", "Make a Wish, {name}", "Another Year of {name}")),
    Occasion(("anniversar",),
             ("happy anniversary, {name}", "our anniversary, {name}"),
             (("another year of you and me", "the best anniversary"),
              ("we made it through another year", "and I'm still glad that you are here")),
             ("I'd do it all again, {name}", "I love you, {name}", "forever, {name}"),
             ("Still Us, {name}", "Another Year with {name}", "{name}, Again and Again")),
    Occasion(("wedding", "marr", "engage", "bride", "groom"),
             ("on your wedding day, {name}", "a wedding toast to {name}"),
             (("two hearts that beat as one", "a brand new life has just begun"),
              ("you said I do and meant it true", "a lifetime's waiting just for you")),
             ("forever starts today, {name}", "we love you, {name}", "here's to you, {name}"),
             ("{name}, Forever Starts Today", "The Wedding Song of {name}", "I Do, {name}")),
    Occasion(("graduat", "degree", "diploma"),
             ("you graduated, {name}", "congratulations, graduate {name}"),
             (("all those nights of work and will", "now you've climbed the highest hill"),
              ("toss your cap up, take a bow", "the future's waiting for you now")),
             ("the world is yours, {name}", "we're proud of you, {name}", "you did it, {name}"),
             ("You Did It, {name}", "{name}, the World Is Yours", "Caps Up, {name}")),
    Occasion(("retire",),
             ("happy retirement, {name}", "you're retiring, {name}"),
             (("all those years of work are done", "now your freedom has begun"),
              ("now every day is yours to choose", "retirement, with nothing left to lose")),
             ("you earned this, {name}", "cheers to you, {name}", "here's to you, {name}"),
             ("{name}, You Earned This", "No More Alarms, {name}", "Cheers to {name}")),
    Occasion(("valentin", "sweetheart"),
             ("be my valentine, {name}", "my valentine, {name}"),
             (("every day I choose you", "my valentine, my love so true"),
              ("my heart is yours and yours alone", "the sweetest love I've ever known")),
             ("I'm yours, {name}", "I love you, {name}", "be mine, {name}"),
             ("Be Mine, {name}", "{name}, My Valentine", "Roses for {name}")),
    Occasion(("mother", r"moms?\b", r"mums?\b", "mama"),
             ("happy Mother's Day, {name}", "a Mother's Day song for {name}"),
             (("you held our hands and held us near", "a mother's love through every year"),
              ("you taught us kindness, taught us grace", "a mother no one could replace")),
             ("we love you, {name}", "thank you, {name}"),
             ("Thank You, {name}", "{name}, You Raised Us", "Mother {name}")),
    Occasion(("father", r"dads?\b", "papa"),
             ("happy Father's Day, {name}", "a Father's Day song for {name}"),
             (("you fixed it all and cheered us on", "a father's love that's never gone"),
              ("you showed us how to stand up tall", "the best of fathers, after all")),
             ("we love you, {name}", "thank you, {name}"),
             ("Thank You, {name}", "{name}, You Taught Us", "Our Hero {name}")),
    Occasion(("christmas", "xmas", "holiday", "new year"),
             ("merry Christmas, {name}", "a Christmas song for {name}"),
             (("the gifts are wrapped, the lights are on", "a Christmas love that carries on"),
              ("we share the joy, we share the cheer", "the merriest Christmas of the year")),
             ("we love you, {name}", "merry Christmas, {name}"),
             ("Merry Christmas, {name}", "A Christmas Song for {name}", "Lights On, {name}")),
    Occasion(("farewell", "goodbye", "leaving", "moving"),
             ("farewell to you, {name}", "farewell for now, {name}"),
             (("we wave goodbye but not for good", "you'd stay forever if you could"),
              ("the door is always open wide", "farewell, and we're still by your side")),
             ("we'll miss you, {name}", "safe travels, {name}", "come back soon, {name}"),
             ("So Long, {name}", "We'll Miss You, {name}", "Safe Travels, {name}")),
    Occasion(("get well", "recover", "hospital", "sick"),
             ("get well soon, {name}", "get well, {name}, get well"),
             (("you're getting stronger every day", "we'll help you heal along the way"),
              ("get well and rest, we've got your back", "we'll get your smile back on track")),
             ("stay strong, {name}", "we're here for you, {name}"),
             ("Get Well, {name}", "Stay Strong, {name}", "Sunrise for {name}")),
    Occasion(("thank", "appreciat"),
             ("thank you, {name}, thank you", "a thank-you song for {name}"),
             (("you gave so much and asked for none", "we thank you, now the song is sung"),
              ("you showed up every time we called", "so thank you, {name}, for it all")),
             ("we owe you, {name}", "thank you, {name}"),
             ("Thank You, {name}", "All Thanks to {name}", "{name}, You Showed Up")),
    Occasion(("friend",),
             ("here's to our friendship, {name}", "{name}, my best friend"),
             (("a friend like you is hard to find", "the kindest heart, the sharpest mind"),
              ("friends forever, side by side", "with you it's always been a ride")),
             ("here's to you, {name}", "my friend, {name}"),
             ("Here's to You, {name}", "My Friend {name}", "Always {name}")),
)

CELEBRATION = Occasion(
    (),
    ("we celebrate you, {name}", "a celebration for {name}"),
    (("raise your glasses, raise them high", "we celebrate you, you and I"),
     ("this celebration is for you", "for everything you are and do")),
    _CLOSINGS,
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

"""Moderation without a network: the word list of the `better-profanity` package, matched word by word.

The package's own matcher tries every spelling variant at every position and takes half a second
per 2,000 characters; this one normalises each word once (lower case, the usual digit-for-letter
swaps, letters spaced out as "f u c k" joined up) and looks it up in a set: about 1 ms for the
same story. Phrases of the list ("blow job") are matched as runs of words.

The list is built for chat filters, so it holds words that are harmless in a gift song (names such
as Dick or Willy, "god", "hell", "kill" as in "killing it", body and health words) and words that
name who people are ("gay", "lesbians", "queer"): a love song for two husbands must not be refused.
Those are `ALLOWED`. What remains is mapped to categories where the word says it honestly
(slurs: "hate"; abuse of children: "sexual/minors"; rape: "sexual" and "violence"); the rest is
"profanity".
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Sequence

from songcraft.providers.moderation.base import Verdict

name = "wordlist"

ALLOWED = frozenset("""
    anal anus areole arian aryan asanchez bimbo bimbos breasts crotch damn dick dink dinks dong doofus dopey drunk dummy
    erect fanny fat fart flange foobar fubar gai gay gays gey god goddam hell hemp herp herpes hiv hoar hooch hooter
    hooters homey homo kill kinky kraut lech len leper lesbians lesbo lesbos lmao lmfao loin loins lust lusting lusty
    maxi menses menstruate menstruation moron murder nimrod ninny nude nudes naked nappy omg opiate opium oral orally
    organ ovary ovum ovums paddy pastie pasty pawn pee peepee pms poop pot potty prig prude punky puss queer queers
    racy revue rum rump sandbar scum seaman seamen seduce sissy sleaze sleazy slope sniper souse soused steamy stoned
    strip stroke stupid suck sucked sucking tampon teat thrust thug tinkle toots tramp trashy tush ugly undies unwed
    urinal urine uterus uzi valium vixen vodka vomit weed weirdo wench whiz willies willy womb woody yury napalm
    virgin sex sexual erotic jerk screw screwed screwing booty hump humped humping wad wang weenie wedgie gringo
    bdsm bondage fondle lube nipple nipples orgasm pubic tit titi tits weiner junkie junky meth heroin ganja reefer
    pcp peyote toke extasy extacy skag scag xx xxx sob
""".split())

SLURS = frozenset("""
    chink coon fag fagg fagged fagging faggit faggitt faggot faggs fagot fagots fags gook gooks kike kikes kyke n1g n1gg
    n1gga n1gger nigg nigg3r nigg4h nigga niggah niggas niggaz nigger niggers niglet spic spick spik spiks wetback wop
    paki injun jap japs negro wigger hitler kkk klan nazi nazism retard retarded r-tard rtard reetard ritard tard polack
    pollock honky heeb hebe moolie whitey dyke dykes shemale heshe spac twunt
""".split())
CHILD_ABUSE = frozenset("pedo pedophile pedophilia pedophiliac shota".split())
RAPE = frozenset("rape raped raper raping rapist molest howtokill howtomurdep".split())

_LEET = str.maketrans({"4": "a", "@": "a", "1": "i", "!": "i", "0": "o", "3": "e", "$": "s", "5": "s", "7": "t", "+": "t"})
_WORD = re.compile(r"[\w@$!+*.-]+")
MAX_PHRASE_WORDS = 4


def categories_of(word: str) -> tuple[str, ...]:
    if word in SLURS:
        return ("hate",)
    if word in CHILD_ABUSE:
        return ("sexual/minors",)
    if word in RAPE:
        return ("sexual", "violence")
    return ("profanity",)


@cache
def refused_words() -> dict[str, tuple[str, ...]]:
    """The package's list less ALLOWED, each entry (a word or a phrase, normalised) with its categories."""
    text = resources.files("better_profanity").joinpath("profanity_wordlist.txt").read_text(encoding="utf-8")
    entries = (" ".join(_normalise(part) for part in line.split()) for line in text.splitlines() if line.strip())
    return {entry: categories_of(entry) for entry in entries if entry and entry not in ALLOWED}


def _normalise(word: str) -> str:
    return word.lower().strip(".*-").rstrip("!").translate(_LEET)  # "fuck!" ends a sentence; "sh!t" spells


def _words(text: str) -> list[str]:
    """The text's words, normalised; runs of single letters ("f u c k", "f.u.c.k") joined into one."""
    words, letters = [], []
    for raw in _WORD.findall(text):
        spelled = [part for part in re.split(r"[.\-_]", raw) if part]
        if spelled and all(len(part) == 1 for part in spelled):
            letters.extend(spelled)
            continue
        if letters:
            words.append(_normalise("".join(letters)))
            letters = []
        words.append(_normalise(raw))
        if len(spelled) > 1:  # "fuck-off": its parts too
            words.extend(map(_normalise, spelled))
    if letters:
        words.append(_normalise("".join(letters)))
    return [word for word in words if word]


def judge(text: str) -> Verdict:
    refused, words, found = refused_words(), _words(text), set()
    for start in range(len(words)):
        for length in range(1, MAX_PHRASE_WORDS + 1):
            categories = refused.get(" ".join(words[start:start + length]))
            if categories:
                found.update(categories)
    return Verdict(bool(found), tuple(sorted(found)))


class WordListModerator:
    name = name

    def check(self, texts: Sequence[str]) -> list[Verdict]:
        return [judge(text) for text in texts]

"""Turn the customer's story into sung lines, in the story's order, spoken to the recipient.

No language model: each sentence keeps its own words, so every detail stays in the role the story
gave it ("a jar of honey candy for the kids" stays whole). The song speaks to the recipient, so
their name, "she" and "he" become "you" (with the verb agreeing: "Maya loves" → "you love"), and
"her"/"his" become "your". Sentences too long for one line are split where a clause or a phrase
begins, into lines of about 4-12 syllables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pronouncing

from songcraft.engines.composer.meter import syllables

MAX_LINE_SYLLABLES = 12
MIN_LINE_SYLLABLES = 4
_SENTENCE = re.compile(r"[.!?;]+(?=\s|$)|\n+")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*|[,:]")
_CLAUSE_STARTS = ("and", "but", "so", "because", "when", "while", "where", "after", "before", "until", "then")
_PHRASE_STARTS = ("with", "at", "in", "on", "from", "to", "for", "of", "near", "by", "across", "through", "since")
_ADVERBS = {"still", "never", "always", "often", "also", "once", "just", "really", "sometimes", "usually", "even", "now"}
_IRREGULAR = {"is": "are", "was": "were", "has": "have", "does": "do", "goes": "go", "isn't": "aren't", "wasn't": "weren't",
              "hasn't": "haven't", "doesn't": "don't", "'s": "'re"}
_OBJECT_FOLLOWERS = set(_PHRASE_STARTS) | set(_CLAUSE_STARTS) | {",", "up", "out", "back", "down", "away", "home", "again",
                                                                  "too", "so", "every", "more", "most", "a", "an", "the"}
_OBJECT_LEADS = {"of", "about", "to", "the", "a", "an", "his", "her", "their", "at", "in", "on", "with", "every", "all", "our", "my"}
_APPOSITION_HEADS = {"our", "my", "the", "dear", "sweet", "little"}


@dataclass(frozen=True)
class StoryLine:
    text: str
    sentence: int  # which sentence of the story it comes from (the song keeps their order)


def _third_person_to_base(verb: str) -> str:
    """'loves' → 'love', 'watches' → 'watch', 'carries' → 'carry'; anything else unchanged."""
    lowered = verb.lower()
    if lowered in _IRREGULAR:
        return _IRREGULAR[lowered]
    if lowered.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        base = lowered[:-2]
    elif lowered.endswith("ies"):
        base = lowered[:-3] + "y"
    elif lowered.endswith("s") and not lowered.endswith("ss"):
        base = lowered[:-1]
    else:
        return verb
    return base if len(base) > 1 and pronouncing.phones_for_word(base) else verb


_FEMININE, _MASCULINE = {"she", "her", "hers", "herself", "she's"}, {"he", "his", "him", "himself", "he's"}


class _Speaker:
    """Rewrites a story's tokens so they speak to the recipient."""

    def __init__(self, story: str, name: str) -> None:
        self.name_words = {part.lower() for part in re.findall(r"[^\W_]+", name)}
        names = "|".join(map(re.escape, self.name_words)) or "(?!)"
        # "Siobhan and Liam met ... They got engaged": "they" includes the recipient
        self.they_are_you = bool(re.search(rf"\b(?i:{names})\s+(?:and|met|married)\s+[A-Z]", story))
        self.pronouns = self._recipient_pronouns(story)

    def _recipient_pronouns(self, story: str) -> set[str]:
        """Which of she/he the story uses for the recipient: in a sentence with both, the one that is not
        the subject ("He dropped the books at her feet"); elsewhere, the one in sentences naming the recipient."""
        votes = {"f": 0, "m": 0}
        for sentence in _SENTENCE.split(story):
            tokens = [t.lower() for t in _TOKEN.findall(sentence)]
            feminine, masculine = _FEMININE & set(tokens), _MASCULINE & set(tokens)
            if feminine and masculine:
                votes["m" if tokens[0] in _FEMININE else "f"] += 2
            elif feminine or masculine:
                votes["f" if feminine else "m"] += 1
        if votes["f"] == votes["m"]:
            return _FEMININE | _MASCULINE
        return _FEMININE if votes["f"] > votes["m"] else _MASCULINE

    def _is_name(self, token: str) -> bool:
        return token.lower().split("'")[0] in self.name_words

    def rewrite(self, tokens: list[str]) -> list[str]:
        out: list[str] = []
        singular_subject = spoke_to_you = False
        for index, token in enumerate(tokens):
            lowered = token.lower()
            following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
            if self._is_name(token):
                if lowered.endswith("'s"):
                    out.append("your")
                    continue
                while out and (out[-1].lower() in _APPOSITION_HEADS or (len(out) >= 2 and out[-2].lower() in _APPOSITION_HEADS
                                                                          and out[-1][:1].islower())):
                    out.pop()  # "our mother Ingrid" → "you"
                if out and self._is_name(out[-1]):
                    continue  # the rest of a full name
                out.append("you")
                singular_subject = following != "and"
                continue
            if lowered in self.pronouns & {"she", "he"} or (self.they_are_you and lowered == "they"):
                out.append("you")
                singular_subject = lowered != "they"
                continue
            if lowered in self.pronouns & {"she's", "he's"}:
                out.append("you're")
                continue
            if lowered in self.pronouns & {"her", "his"} or (self.they_are_you and lowered == "their"):
                is_object = lowered == "her" and (not following or following in _OBJECT_FOLLOWERS)
                out.append("you" if is_object else "your")
                continue
            if lowered in self.pronouns & {"him", "herself", "himself"} or (self.they_are_you and lowered == "them"):
                out.append("yourself" if lowered.endswith("self") else "you")
                continue
            if lowered == "hers" and lowered in self.pronouns:
                out.append("yours")
                continue
            if singular_subject and lowered not in _ADVERBS:
                token = _third_person_to_base(token)
                singular_subject = False
                spoke_to_you = True
            elif spoke_to_you and out and out[-1].lower() == "and" and following in _OBJECT_LEADS:
                token = _third_person_to_base(token)  # "you eat pizza and dream of Tokyo"
            out.append(token)
        return out


def _join(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        text += token if token in (",", ":") or not text else " " + token
    return text.strip(" ,:")


def _split(tokens: list[str]) -> list[list[str]]:
    """Split a sentence into lines of at most MAX_LINE_SYLLABLES, at the most balanced clause or phrase start."""
    if syllables(_join(tokens)) <= MAX_LINE_SYLLABLES or len(tokens) < 4:
        return [tokens]
    best = None
    for preference, starts in enumerate((_CLAUSE_STARTS, _PHRASE_STARTS)):
        for cut in range(2, len(tokens) - 1):
            comma = tokens[cut - 1] == ","
            if not (comma or tokens[cut].lower() in starts):
                continue
            left, right = syllables(_join(tokens[:cut])), syllables(_join(tokens[cut:]))
            if min(left, right) < MIN_LINE_SYLLABLES:
                continue
            score = (preference if not comma else 0, abs(left - right))
            if best is None or score < best[0]:
                best = (score, cut)
        if best is not None and best[0][0] == preference and preference == 0 and abs(best[0][1]) <= 6:
            break
    if best is None:
        return [tokens]
    cut = best[1]
    return _split(tokens[:cut]) + _split(tokens[cut:])


def story_lines(story: str, name: str) -> list[StoryLine]:
    """The story as sung lines, in order."""
    speaker = _Speaker(story.replace("’", "'"), name)
    lines = []
    for number, sentence in enumerate(s for s in _SENTENCE.split(story.replace("’", "'")) if s and s.strip()):
        tokens = speaker.rewrite(_TOKEN.findall(sentence))
        for piece in _split(tokens):
            text = _join(piece)
            if text and syllables(text) >= 2:
                lines.append(StoryLine(text[0].upper() + text[1:], number))
    return lines

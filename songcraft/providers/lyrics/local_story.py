"""Pull singable details out of the customer's story: places, people, things, pastimes.

A light heuristic reader (no language model): capitalised words after a
place preposition are places, other capitalised words mid-sentence are
people or pets, determiner-led phrases are things, and ``-ing`` words after
"love", "enjoy", "went" ... are pastimes. Third-person possessives are turned
to "your" because the song speaks to the recipient.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pronouncing

_SENTENCE = re.compile(r"[.!?;\n]+")
_TOKEN = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?|[,:()\"]")
_PLACE_PREPOSITIONS = {"in", "to", "from", "at", "near", "around", "through", "across", "visited", "visit",
                       "of"}
_DETERMINERS = {"a", "an", "the", "our", "my", "his", "her", "their", "your"}
_TO_SECOND_PERSON = {"his": "your", "her": "your", "their": "your"}
_PASTIME_CUES = {"love", "loves", "loved", "enjoy", "enjoys", "enjoyed", "like", "likes", "liked",
                 "adore", "adores", "went", "go", "goes", "going", "and", "started"}
_STOPWORDS = {
    "a", "an", "the", "and", "or", "but", "so", "to", "of", "in", "on", "at", "for", "with", "by",
    "from", "as", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these",
    "those", "we", "i", "you", "he", "she", "they", "them", "us", "me", "him", "her", "his", "our",
    "my", "your", "their", "who", "what", "when", "where", "why", "how", "which", "there", "here",
    "then", "than", "very", "just", "also", "still", "always", "never", "ever", "not", "no", "all",
    "some", "any", "every", "each", "more", "most", "much", "many", "one", "up", "down", "out",
    "over", "into", "about", "after", "before", "since", "until", "while", "because", "if",
    "has", "have", "had", "do", "does", "did", "will", "would", "can", "could", "should", "really",
}
_COMMON_VERBS = {
    "makes", "made", "loves", "lights", "says", "said", "goes", "went", "gets", "got", "takes",
    "took", "gives", "gave", "keeps", "kept", "brings", "brought", "runs", "ran", "smiles", "laughs",
    "sings", "plays", "comes", "came", "knows", "knew", "thinks", "lives", "works", "met", "became",
    "feels", "felt", "fell", "left", "wants", "needs", "tells", "told", "calls", "shows", "looks",
}
_GENERIC_NOUNS = {"day", "days", "time", "times", "way", "thing", "things", "lot", "year", "years",
                  "moment", "bit", "kind", "sort", "person", "people", "first", "last", "same", "other"}
_NOT_PASTIMES = {"morning", "evening", "wedding", "during", "nothing", "something", "everything",
                 "anything", "thing", "king", "ring", "sing", "bring", "spring", "string", "wing",
                 "ceiling", "building", "feeling", "being", "darling", "sibling", "ending", "amazing"}
_CALENDAR_WORDS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                   "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
                   "january", "february", "march", "april", "may", "june", "july", "august",
                   "september", "october", "november", "december", "christmas", "easter"}
_MAX_PHRASE_WORDS = 3


@dataclass(frozen=True)
class StoryDetails:
    places: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    things: tuple[str, ...] = ()
    pastimes: tuple[str, ...] = ()

    def as_slots(self) -> list[tuple[str, str]]:
        """Every detail as (kind, text), interleaving kinds so the first few cover them all."""
        columns = [[("place", p) for p in self.places], [("thing", t) for t in self.things],
                   [("pastime", p) for p in self.pastimes], [("person", p) for p in self.people]]
        slots: list[tuple[str, str]] = []
        for row in range(max(map(len, columns), default=0)):
            slots.extend(column[row] for column in columns if row < len(column))
        return slots


def _is_capitalised(token: str) -> bool:
    return token[:1].isupper() and token != "I" and token.isalpha()


def _proper_nouns(tokens: list[str], excluded: set[str]) -> tuple[list[str], list[str]]:
    """Capitalised runs mid-sentence, split into places and people."""
    places: list[str] = []
    people: list[str] = []
    index = 1  # the first token is capitalised by grammar, not by meaning
    while index < len(tokens):
        if not _is_capitalised(tokens[index]):
            index += 1
            continue
        end = index
        while end < len(tokens) and _is_capitalised(tokens[end]):
            end += 1
        name = " ".join(tokens[index:end])
        if name.lower() not in excluded and name.lower() not in _CALENDAR_WORDS:
            with_article = tokens[index - 1].lower() == "the" and index > 1
            preposition = tokens[index - 2 if with_article else index - 1].lower()
            if with_article or preposition in _PLACE_PREPOSITIONS:
                places.append(f"the {name}" if with_article else name)
            else:
                people.append(name)
        index = end
    return places, people


def _noun_phrases(tokens: list[str]) -> list[str]:
    phrases: list[str] = []
    for index, token in enumerate(tokens):
        if token.lower() not in _DETERMINERS:
            continue
        words = []
        for follower in tokens[index + 1:index + 1 + _MAX_PHRASE_WORDS]:
            lowered = follower.lower()
            if not follower.isalpha() or lowered in _STOPWORDS or lowered in _COMMON_VERBS:
                break
            if lowered.endswith(("ed", "ly")) and words:
                break
            words.append(follower)
        if not words or words[-1].lower() in _GENERIC_NOUNS or _is_capitalised(words[0]):
            continue
        determiner = _TO_SECOND_PERSON.get(token.lower(), token.lower())
        phrases.append(" ".join([determiner, *words]))
    return phrases


def _is_verb_form(word: str) -> bool:
    stem = word[:-3]
    return any(pronouncing.phones_for_word(base) for base in (stem, stem + "e", stem[:-1]) if len(base) > 2)


def _pastimes(tokens: list[str]) -> list[str]:
    found = []
    for previous, token in zip(tokens, tokens[1:]):
        lowered = token.lower()
        if (previous.lower() in _PASTIME_CUES and lowered.endswith("ing") and len(lowered) > 4
                and lowered not in _NOT_PASTIMES and _is_verb_form(lowered)):
            found.append(lowered)
    return found


def _unique(items: list[str], excluded: set[str] = frozenset()) -> tuple[str, ...]:
    seen: set[str] = set(excluded)
    kept = []
    for item in items:
        if item.lower() not in seen:
            seen.add(item.lower())
            kept.append(item)
    return tuple(kept)


def shorter_forms(detail: str) -> list[str]:
    """The detail, then trimmed forms that fit a line more easily: "a tiny jazz bar", "a jazz bar", "a bar".

    A phrase ending in a name trims to the name alone: "your dog Biscuit", "Biscuit".
    """
    words = detail.split()
    if len(words) < 3 or words[0] not in _DETERMINERS:
        return [detail]
    if _is_capitalised(words[-1]):
        return [detail, words[-1]]
    return [detail, *(" ".join([words[0], *words[-keep:]]) for keep in range(len(words) - 2, 0, -1))]


def read_story(story: str, recipient_name: str) -> StoryDetails:
    """Extract details in the order the story tells them."""
    excluded = {part.lower() for part in recipient_name.split()} | {recipient_name.lower()}
    places: list[str] = []
    people: list[str] = []
    things: list[str] = []
    pastimes: list[str] = []
    for sentence in _SENTENCE.split(story.replace("’", "'")):
        tokens = _TOKEN.findall(sentence)
        if not tokens:
            continue
        sentence_places, sentence_people = _proper_nouns(tokens, excluded)
        places += sentence_places
        people += sentence_people
        things += _noun_phrases(tokens)
        pastimes += _pastimes(tokens)
    words_in_things = {word.lower() for thing in things for word in thing.split()}
    already_told = {place.lower() for place in places} | words_in_things
    return StoryDetails(places=_unique(places), people=_unique(people, already_told),
                        things=_unique(things), pastimes=_unique(pastimes))

"""The composer engine over the benchmark's briefs: lyrics that tell the story, and fit the song.

The briefs (benchmarks/song_briefs.json) carry, besides the brief itself, what a reader checks:
the story's proper nouns, and its concrete nouns with the words that give them their role
("lemon cake" with "bake"). The same briefs feed benchmarks/song_quality.py.
"""
from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from songcraft.engines.composer import UnsupportedLanguage, compose_lyrics
from songcraft.engines.composer.meter import syllables
from songcraft.engines.composer.story import story_lines
from songcraft.engines.composer.writer import sung_name
from songcraft.engines.synth import plan_song
from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.lyrics.base import Lyrics, SongBrief

BRIEFS = json.loads((Path(__file__).resolve().parents[2] / "benchmarks" / "song_briefs.json").read_text())
FIELDS = {f.name for f in dataclasses.fields(SongBrief)}
# Words that set a scene: weather, season, place or people. The lyrics may only use those the story
# or the occasion gave.
SETTING = {
    "rain", "raining", "snow", "snowing", "sun", "sunshine", "sunny", "storm", "thunder", "wind", "cloud", "clouds", "fog",
    "summer", "winter", "spring", "autumn", "beach", "sea", "shore", "ocean", "river", "lake", "mountain", "mountains",
    "highway", "road", "street", "lane", "porch", "kitchen", "bar", "church", "garden", "park", "floor", "train", "car",
    "city", "town", "village", "island", "campfire", "neon", "mother", "father", "sister", "brother", "son", "daughter",
    "grandma", "grandpa", "kids", "children", "crowd", "neighbours", "husband", "wife", "uncle", "aunt", "cousin",
}
IMPLIED_BY_OCCASION = {"mother": {"mom", "mother"}, "father": {"dad", "father"}}
STOPWORDS = {"day", "you", "the", "of", "a", "to", "my", "our", "soon"}


def brief_of(entry: dict, **changes) -> SongBrief:
    return dataclasses.replace(SongBrief(**{k: v for k, v in entry.items() if k in FIELDS}), **changes)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text.lower())


@pytest.fixture(scope="module")
def songs() -> list[tuple[dict, Lyrics]]:
    return [(entry, compose_lyrics(brief_of(entry))) for entry in BRIEFS]


def outside_chorus(lyrics: Lyrics) -> list[str]:
    return [line for section in lyrics.sections if section.kind != "chorus" for line in section.lines]


def test_there_are_at_least_twenty_varied_briefs():
    assert len(BRIEFS) >= 20
    assert len({b["genre"] for b in BRIEFS}) >= 10 and len({b["mood"] for b in BRIEFS}) >= 7
    assert len({b["recipient_name"] for b in BRIEFS}) == len(BRIEFS)


def test_every_proper_noun_of_the_story_appears(songs):
    for entry, lyrics in songs:
        text = lyrics.as_text()
        missing = [noun for noun in entry["proper_nouns"] if noun not in text]
        assert not missing, (entry["recipient_name"], missing)


def test_concrete_nouns_appear_in_the_role_the_story_gave_them(songs):
    found = total = 0
    for entry, lyrics in songs:
        for noun, role_words in entry["concrete_nouns"].items():
            total += 1
            found += any(noun in line.lower() and any(w.startswith(r) for r in role_words for w in words(line))
                         for line in lyrics.lines)
    assert found >= 0.8 * total, f"{found} of {total}"


def test_no_line_template_is_used_twice(songs):
    for entry, lyrics in songs:
        story_words = set(words(entry["story"]))
        distinct = list(dict.fromkeys(lyrics.lines))
        templates = [" ".join("_" if w in story_words else w for w in words(line)) for line in distinct]
        ours = [t for t in templates if sum(w != "_" for w in t.split()) >= 3]
        assert len(ours) == len(set(ours)), entry["recipient_name"]
        openings = [" ".join(words(line)[:3]) for line in outside_chorus(lyrics)]
        assert max(openings.count(o) for o in openings) <= 2, entry["recipient_name"]


def test_no_setting_is_invented(songs):
    for entry, lyrics in songs:
        given = set(words(entry["story"])) | set(words(entry["occasion"]))
        for word, implied in IMPLIED_BY_OCCASION.items():
            if word in entry["occasion"]:
                given |= implied
        invented = {w for w in words(lyrics.as_text()) if w in SETTING} - given
        assert not invented, (entry["recipient_name"], invented)


def test_verses_follow_the_story_in_order(songs):
    for entry, lyrics in songs:
        story = entry["story"]
        nouns = sorted([*entry["proper_nouns"], *entry["concrete_nouns"]], key=lambda noun: story.lower().find(noun.lower()))
        lines = [line.lower() for line in outside_chorus(lyrics)]
        positions = [next((i for i, line in enumerate(lines) if noun.lower() in line), None) for noun in nouns]
        sung = [p for p in positions if p is not None]
        assert sung == sorted(sung), entry["recipient_name"]


def test_the_chorus_carries_the_name_and_the_occasion(songs):
    for entry, lyrics in songs:
        chorus = " ".join(next(s for s in lyrics.sections if s.kind == "chorus").lines)
        assert sung_name(brief_of(entry)) in chorus
        occasion = [w for w in words(entry["occasion"]) if w not in STOPWORDS]
        assert any(w[:5] == o[:5] for w in words(chorus) for o in occasion), (entry["recipient_name"], chorus)


def test_the_story_is_told_to_the_recipient():
    lines = [line.text for line in story_lines(BRIEFS[0]["story"], "Maya")]

    assert lines == ["We met in Lisbon in 2015", "At a tiny jazz bar",
                     "You love your dog Biscuit", "And hiking in the Alps with your sister Clara",
                         "Your laugh lights up every room", "And you bake the best lemon cake on Sundays"]
    siobhan = [line.text for line in story_lines(BRIEFS[4]["story"], "Siobhan")]
    assert "He dropped a stack of poetry books at your feet" in siobhan  # "he" is Liam, "her" is Siobhan
    assert "You got engaged on a ferry" in siobhan


def test_every_song_fits_four_minutes_in_every_genre(songs):
    for entry, lyrics in songs:
        for genre in ("ballad", "rap", entry["genre"]):
            request = AudioRequest(lyrics.title, lyrics, genre, entry["mood"], recipient_name=entry["recipient_name"],
                                   name_pronunciation=entry.get("name_pronunciation", ""))
            plan = plan_song(request)  # raises when the lyrics do not fit
            assert len(plan.line_timings()) == len(lyrics.lines)


def test_lines_are_singable_lengths(songs):
    counts = [syllables(line) for _, lyrics in songs for line in lyrics.lines]
    assert min(counts) >= 3 and max(counts) <= 15


def test_structure_repeats_the_chorus_word_for_word(songs):
    for _, lyrics in songs:
        labels = [s.heading for s in lyrics.sections]
        assert labels[:6] == ["Verse 1", "Chorus", "Verse 2", "Chorus", "Bridge", "Chorus"]
        assert len({s.lines for s in lyrics.sections if s.kind == "chorus"}) == 1
        assert 16 <= len(lyrics.lines) <= 34
        assert Lyrics.from_text(lyrics.title, lyrics.as_text()) == lyrics


def test_same_brief_same_lyrics_and_a_new_seed_rewrites_our_lines():
    brief = brief_of(BRIEFS[0])
    first = compose_lyrics(brief)
    assert compose_lyrics(brief) == first
    story = {line.text for line in story_lines(brief.story, brief.recipient_name)}
    ours = [line for line in first.lines if line not in story]
    for seed in (1, 2, 3):
        rewrite = compose_lyrics(dataclasses.replace(brief, seed=seed))
        assert sum(line not in rewrite.lines for line in set(ours)) >= len(set(ours)) // 3


def test_other_languages_are_refused_naming_the_setting():
    with pytest.raises(UnsupportedLanguage, match="LYRICS_PROVIDER") as refused:
        compose_lyrics(brief_of(BRIEFS[0], language="es"))
    assert refused.value.language == "es"


def test_an_empty_story_and_unknown_occasion_still_sing():
    lyrics = compose_lyrics(brief_of(BRIEFS[0], story="", occasion="promotion at work", genre="polka", mood="grumpy",
                                     recipient_name="Zoë"))
    assert "Zoë" in " ".join(lyrics.lines) and 16 <= len(lyrics.lines) <= 34


def test_names_are_cleaned_and_a_long_pronunciation_gets_the_short_greeting():
    assert sung_name(brief_of(BRIEFS[0], recipient_name="bob {placeholder}")) == "Bob"  # "Bob Placeholder" is a mouthful
    assert sung_name(brief_of(BRIEFS[0], recipient_name="Alexandrina Montgomery-Smith")) == "Alexandrina"
    long_name = brief_of(BRIEFS[20])
    chorus = next(s for s in compose_lyrics(long_name).sections if s.kind == "chorus").lines
    assert all(syllables(line, {"oluwaseun": 5}) <= 9 for line in chorus if "Oluwaseun" in line)

"""Turn a request into a song plan: tempo, key, form, one chord per bar and a melody note per syllable."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from songcraft.engines.synth.form import (
    TAIL_SECONDS,
    Part,
    fit_length,
    fits,
    held_slots,
    instrumental_parts,
    line_layout,
    lyric_parts,
)
from songcraft.engines.synth.melody import HOLD, PICKUP, Phrase, Scale, melody
from songcraft.engines.synth.singers import Singer, singers_for
from songcraft.engines.synth.styles import (
    DEFAULT_GENRE,
    DEFAULT_MOOD,
    GENRES,
    MOODS,
    SCALES,
    Style,
    progression_family,
)
from songcraft.engines.synth.syllables import Diction, Word, words_of
from songcraft.providers.audio.base import AudioRequest, LineTiming, SectionTiming

_MAX_SLOT_SECONDS = 0.36  # a melody slot longer than this stretches syllables past what a listener follows
_REGISTER = {"chorus": (3, 2.0), "bridge": (2, 3.0), "verse": (0, 2.0)}  # family -> (center step, arch)


@dataclass(frozen=True)
class Chord:
    root: int  # MIDI note of the root in the bass register
    tones: tuple[int, ...]  # MIDI notes voiced around middle C

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset(t % 12 for t in self.tones)


@dataclass(frozen=True)
class MelodyNote:
    start_beat: float
    beats: float
    pitch: int  # MIDI, as written (the lead plays it; a singer may transpose it)
    word: str | None  # the sung word; None in instrumentals
    syllable: int = 0  # which syllable of the word this note carries
    syllables: int = 1  # how many syllables the word has
    line: int = -1  # index of the sung line in the song (every repeat counts), -1 in instrumentals
    says: str = ""  # what the voice is given to pronounce for the word (a name's phonemes, say)
    singer: int = 0  # index into the plan's singers
    held: bool = False  # a name's stressed syllable: a long note, sung for all its length


@dataclass(frozen=True)
class SongPlan:
    style: Style
    bpm: float
    scale: Scale
    chords: tuple[Chord, ...]  # one per bar
    parts: tuple[Part, ...]
    melody: tuple[MelodyNote, ...]
    sung: bool
    seed: int
    singers: tuple[Singer, ...] = ()
    language: str = "en"

    @property
    def bars(self) -> int:
        return len(self.chords)

    def seconds(self, beat):
        """Time of a beat position (float or array), with the genre's swing on off-beats."""
        whole = np.floor(beat)
        frac = np.asarray(beat) - whole
        late = 0.5 + self.style.swing
        swung = np.where(frac < 0.5, frac * late / 0.5, late + (frac - 0.5) * (1 - late) / 0.5)
        return (whole + swung) * 60.0 / self.bpm

    @property
    def duration_seconds(self) -> float:
        return float(self.seconds(self.bars * 4)) + TAIL_SECONDS

    def part_at(self, bar: int) -> Part:
        return next(p for p in self.parts if p.start_bar <= bar < p.start_bar + p.bars)

    def section_timings(self) -> tuple[SectionTiming, ...]:
        return tuple(
            SectionTiming(
                label=p.label,
                start_seconds=round(float(self.seconds(p.start_bar * 4)), 3),
                end_seconds=round(float(self.seconds((p.start_bar + p.bars) * 4)), 3),
                lines=p.lines,
            )
            for p in self.parts
            if p.lyric
        )

    def line_timings(self) -> tuple[LineTiming, ...]:
        """Every sung line, from its first note's start to its last note's end."""
        if not self.sung:
            return ()
        lines = [(part.label, text) for part in self.parts if part.lyric for text in part.lines]
        first: dict[int, MelodyNote] = {}
        last: dict[int, MelodyNote] = {}
        for note in self.melody:
            first.setdefault(note.line, note)
            last[note.line] = note
        return tuple(
            LineTiming(
                start_seconds=round(float(self.seconds(first[index].start_beat)), 3),
                end_seconds=round(float(self.seconds(last[index].start_beat + last[index].beats)), 3),
                text=text,
                section=label,
            )
            for index, (label, text) in enumerate(lines)
        )


def _text_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def request_seed(request: AudioRequest) -> int:
    lyrics = request.lyrics.as_text() if request.lyrics else ""
    fields = (request.title, lyrics, request.genre, request.mood, str(request.instrumental), str(request.seed),
              request.vocal_style or "", request.language, request.recipient_name, request.name_pronunciation)
    return _text_hash("\x1f".join(fields))


def diction_of(request: AudioRequest) -> Diction:
    return Diction(request.language, request.recipient_name.strip(), request.name_pronunciation.strip())


def plan_song(request: AudioRequest) -> SongPlan:
    seed = request_seed(request)
    rng = np.random.default_rng(seed)
    style = GENRES.get(request.genre.lower(), GENRES[DEFAULT_GENRE])
    mood = MOODS.get(request.mood.lower(), MOODS[DEFAULT_MOOD])
    low, high = style.tempo
    bpm = round(low + (high - low) * mood.energy + rng.uniform(-2, 2))
    pitch_class = int(rng.integers(12))
    scale = Scale(tonic=55 + (pitch_class - 55) % 12, steps=SCALES[mood.mode])
    options = style.progressions or mood.progressions
    progressions = {family: options[family][int(rng.integers(len(options[family])))] for family in options}

    if 60.0 / (bpm * style.subdivision) > _MAX_SLOT_SECONDS:
        style = replace(style, subdivision=2 * style.subdivision)  # slow songs sing on a finer grid, not drawn out
    diction = diction_of(request)
    sung = not request.instrumental and request.lyrics is not None and bool(request.lyrics.lines)
    dense = 0
    if sung:
        body = lyric_parts(request.lyrics.sections, style, diction)
        while not fits(body, style) and dense < 2:
            dense += 1
            body = lyric_parts(request.lyrics.sections, style, diction, dense)
    else:
        body = instrumental_parts(style)
    bpm, parts = fit_length(body, style, bpm)
    chords = _chords(parts, progressions, scale, style.sevenths)
    singers = singers_for(request.vocal_style, request.genre) if sung else ()
    plan = SongPlan(style, float(bpm), scale, chords, tuple(parts), (), sung, seed, singers, request.language)
    return replace(plan, melody=_melody(plan, rng, diction, dense))


def _chords(parts: list[Part], progressions: dict, scale: Scale, sevenths: bool) -> tuple[Chord, ...]:
    chords = []
    for part in parts:
        family = progression_family(part.kind)
        for bar in range(part.bars):
            chords.append(_chord(progressions[family][bar % 4], scale, sevenths))
    chords[-1] = _chord(0, scale, sevenths)
    return tuple(chords)


def _chord(degree: int, scale: Scale, sevenths: bool) -> Chord:
    steps = [degree + 2 * k for k in range(4 if sevenths else 3)]
    classes = [scale.pitch_class(s) for s in steps]
    tones = tuple(sorted(52 + (pc - 52) % 12 for pc in classes))
    return Chord(root=36 + (classes[0] - 36) % 12, tones=tones)


def _weights(words: list[Word]) -> list[int]:
    """Per syllable: 0 unstressed, 1 stressed; in a name, HOLD for the stressed syllable and PICKUP before it."""
    weights = []
    for word in words:
        first_stress = word.stresses.index(True) if word.name and any(word.stresses) else -1
        for index, stressed in enumerate(word.stresses):
            if index == first_stress:
                weights.append(HOLD)
            elif word.name and index < first_stress:
                weights.append(PICKUP)
            else:
                weights.append(int(stressed))
    return weights


def _melody(plan: SongPlan, rng: np.random.Generator, diction: Diction, dense: int) -> tuple[MelodyNote, ...]:
    def chord_at(beat: float) -> frozenset[int]:
        return plan.chords[min(int(beat // 4), plan.bars - 1)].pitch_classes

    rap = plan.style.drums == "boombap"
    notes: list[MelodyNote] = []
    line_number = 0
    for part in plan.parts:
        if part.kind in ("intro", "outro", "interlude") and not part.lyric:
            continue
        center, arch = _REGISTER[progression_family(part.kind)]
        bar = part.start_bar
        for index, bars in enumerate(part.line_bars):
            text = part.lines[index] if part.lines else ""
            words = words_of(text, diction) if text else _instrumental_words(rng)
            per_beat = line_layout(words, plan.style, dense)[1]
            slot_seconds = 60.0 / (plan.bpm * per_beat)
            phrase = Phrase(bar * 4.0, bars, per_beat, 1 if rap else center, 1.0 if rap else arch, 0.5 if rap else 0.15,
                            held_slots(per_beat, slot_seconds), slot_seconds)
            line_rng = np.random.default_rng([plan.seed, index, _text_hash(text)]) if text else rng
            breaths = [word.after_pause and syllable == 0 for word in words for syllable in range(word.syllables)]
            pitched = iter(melody(_weights(words), phrase, plan.scale, chord_at, line_rng, breaths))
            singer = line_number % len(plan.singers) if plan.sung else 0
            weights = iter(_weights(words))
            for word in words:
                for syllable in range(word.syllables):
                    start, beats, pitch = next(pitched)
                    held = next(weights) == HOLD
                    if plan.sung:
                        notes.append(MelodyNote(start, beats, pitch, word.text, syllable, word.syllables,
                                                line_number, word.says, singer, held))
                    else:
                        notes.append(MelodyNote(start, beats, pitch, None))
            line_number += bool(text)
            bar += bars
    return tuple(notes)


def _instrumental_words(rng: np.random.Generator) -> list[Word]:
    """Stand-in 'syllables' so instrumental melodies phrase like sung lines."""
    count = int(rng.integers(6, 11))
    return [Word("", (True,)) if i % 2 == 0 else Word("", (False,)) for i in range(count)]

"""Turn a request into a song plan: tempo, key, form, one chord per bar and a melody note per syllable."""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, replace

import numpy as np

from songcraft.providers.audio.base import AudioRequest, SectionTiming
from songcraft.providers.audio.synth_melody import Phrase, Scale, melody
from songcraft.providers.audio.synth_styles import (
    DEFAULT_GENRE,
    DEFAULT_MOOD,
    GENRES,
    MOODS,
    SCALES,
    Style,
    progression_family,
)
from songcraft.providers.audio.synth_syllables import Word, words_of

MIN_SECONDS, MAX_SECONDS = 60.0, 180.0
TAIL_SECONDS = 2.0  # room after the last bar for the final chord to ring out
_ENERGY = {"intro": 0.45, "verse": 0.75, "pre-chorus": 0.85, "chorus": 1.0, "bridge": 0.7, "interlude": 0.8}
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
    pitch: int  # MIDI
    word: str | None  # the sung word; None in instrumentals
    syllable: int = 0  # which syllable of the word this note carries
    syllables: int = 1  # how many syllables the word has


@dataclass(frozen=True)
class Part:
    label: str
    kind: str
    start_bar: int
    line_bars: tuple[int, ...]  # bars per line; a single entry for parts without lines
    lines: tuple[str, ...] = ()
    lyric: bool = False  # True for the request's lyrics sections (they get SectionTimings)

    @property
    def bars(self) -> int:
        return sum(self.line_bars)

    @property
    def energy(self) -> float:
        return _ENERGY.get(self.kind, _ENERGY[progression_family(self.kind)])


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


def _text_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def request_seed(request: AudioRequest) -> int:
    lyrics = request.lyrics.as_text() if request.lyrics else ""
    fields = (request.title, lyrics, request.genre, request.mood, str(request.instrumental), str(request.seed))
    return _text_hash("\x1f".join(fields))


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

    sung = not request.instrumental and request.lyrics is not None and bool(request.lyrics.lines)
    body = _lyric_parts(request, style) if sung else _instrumental_parts(style)
    bpm, parts = _fit_length(body, style, bpm)
    chords = _chords(parts, progressions, scale, style.sevenths)
    plan = SongPlan(style, float(bpm), scale, chords, tuple(parts), melody=(), sung=sung, seed=seed)
    return replace(plan, melody=_melody(plan, rng))


def _line_layout(syllables: int, style: Style) -> tuple[int, int]:
    """(bars, melody slots per beat) that fit the line's syllables with a beat of rest at the end."""
    for bars in (style.bars_per_line, 2 * style.bars_per_line, 4 * style.bars_per_line):
        for per_beat in (style.subdivision, 2 * style.subdivision):
            if syllables <= bars * 4 * per_beat - per_beat:
                return bars, per_beat
    return 8, 4


def _lyric_parts(request: AudioRequest, style: Style) -> list[Part]:
    parts = []
    for section in request.lyrics.sections:
        lines = tuple(line for line in section.lines if words_of(line))
        if lines:
            bars = tuple(_line_layout(_syllable_count(line), style)[0] for line in lines)
            parts.append(Part(section.heading, section.kind.lower(), 0, bars, lines, lyric=True))
    return parts


def _instrumental_parts(style: Style) -> list[Part]:
    line_bars = (2 * style.bars_per_line,) * 4
    return [Part(label, kind, 0, line_bars) for label, kind in (("A", "verse"), ("B", "chorus")) * 2]


def _syllable_count(line: str) -> int:
    return sum(w.syllables for w in words_of(line))


def _fit_length(body: list[Part], style: Style, bpm: int) -> tuple[int, list[Part]]:
    """Clamp the song to MIN..MAX seconds: speed up then drop trailing lines, or add instrumental bars."""
    intro, outro = 4, 4
    gaps = [0] * max(len(body) - 1, 0)

    def seconds(bars: int, tempo: int) -> float:
        return bars * 240.0 / tempo + TAIL_SECONDS

    lyric_bars = sum(p.bars for p in body)
    if seconds(intro + outro + lyric_bars, bpm) > MAX_SECONDS:
        bpm = min(style.tempo[1], math.ceil((intro + outro + lyric_bars) * 240.0 / (MAX_SECONDS - TAIL_SECONDS)))
        intro = outro = 2
        while body and seconds(intro + outro + sum(p.bars for p in body), bpm) > MAX_SECONDS:
            last = body.pop()
            if len(last.lines) > 1:
                body.append(Part(last.label, last.kind, 0, last.line_bars[:-1], last.lines[:-1], last.lyric))
        gaps = gaps[: max(len(body) - 1, 0)]
    slots = 0
    while seconds(intro + outro + sum(gaps) + sum(p.bars for p in body), bpm) < MIN_SECONDS:
        pads = [intro, outro, *gaps]
        pads[slots % len(pads)] += 2
        intro, outro, *gaps = pads
        slots += 1

    parts, bar = [Part("Intro", "intro", 0, (intro,))], intro
    for index, part in enumerate(body):
        parts.append(Part(part.label, part.kind, bar, part.line_bars, part.lines, part.lyric))
        bar += part.bars
        if index < len(gaps) and gaps[index]:
            parts.append(Part("Interlude", "interlude", bar, (gaps[index],)))
            bar += gaps[index]
    parts.append(Part("Outro", "outro", bar, (outro,)))
    return bpm, parts


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


def _melody(plan: SongPlan, rng: np.random.Generator) -> tuple[MelodyNote, ...]:
    def chord_at(beat: float) -> frozenset[int]:
        return plan.chords[min(int(beat // 4), plan.bars - 1)].pitch_classes

    rap = plan.style.drums == "boombap"
    notes: list[MelodyNote] = []
    for part in plan.parts:
        if part.kind in ("intro", "outro", "interlude") and not part.lyric:
            continue
        center, arch = _REGISTER[progression_family(part.kind)]
        bar = part.start_bar
        for index, bars in enumerate(part.line_bars):
            text = part.lines[index] if part.lines else ""
            words = words_of(text) if text else _instrumental_words(rng)
            stresses = [s for w in words for s in w.stresses]
            per_beat = _line_layout(len(stresses), plan.style)[1]
            phrase = Phrase(bar * 4.0, bars, per_beat, 1 if rap else center, 1.0 if rap else arch, 0.5 if rap else 0.15)
            line_rng = np.random.default_rng([plan.seed, index, _text_hash(text)]) if text else rng
            pitched = iter(melody(stresses, phrase, plan.scale, chord_at, line_rng))
            for word in words:
                for syllable in range(word.syllables):
                    start, beats, pitch = next(pitched)
                    sung_word = word.text if plan.sung else None
                    notes.append(MelodyNote(start, beats, pitch, sung_word, syllable, word.syllables))
            bar += bars
    return tuple(notes)


def _instrumental_words(rng: np.random.Generator) -> list[Word]:
    """Stand-in 'syllables' so instrumental melodies phrase like sung lines."""
    count = int(rng.integers(6, 11))
    return [Word("", (True,)) if i % 2 == 0 else Word("", (False,)) for i in range(count)]

"""Pitched instruments: bass lines and chord patterns per genre, and a lead that plays the melody."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from songcraft.engines.synth.arrangement import Chord, SongPlan
from songcraft.engines.synth.dsp import Timbre, add_at, note, saw

TIMBRES: dict[str, Timbre] = {
    "piano": Timbre((1, 0.55, 0.3, 0.22, 0.12, 0.08, 0.05, 0.03), 0.004, 0.9, 0.0, 0.08),
    "rhodes": Timbre((1, 0.25, 0.06, 0, 0, 0, 0.08), 0.005, 1.6, 0.0, 0.1),
    "guitar": Timbre((1, 0.7, 0.5, 0.4, 0.3, 0.22, 0.15, 0.1, 0.07), 0.003, 0.6, 0.0, 0.05),
    "power": Timbre(saw(12), 0.005, 3.0, 0.6, 0.05, drive=3.0),
    "stab": Timbre((1, 0.8, 0.6, 0.45, 0.3, 0.2), 0.003, 0.15, 0.0, 0.03),
    "pad": Timbre(saw(10), 0.35, 2.0, 0.8, 0.4, detune_cents=7),
    "bass": Timbre((1, 0.45, 0.2, 0.08), 0.004, 0.5, 0.35, 0.04),
    "sub": Timbre((1, 0.08), 0.005, 1.2, 0.5, 0.08),
    "synthbass": Timbre(saw(8), 0.003, 0.25, 0.3, 0.03),
    "synth": Timbre(saw(7), 0.01, 0.4, 0.7, 0.08, detune_cents=5),
    "flute": Timbre((1, 0.25, 0.1, 0.04), 0.04, 1.0, 0.8, 0.1),
}

# Bass: (sixteenth step, length in steps, which note): R root, 5 fifth, 8 octave, 3 chord third, A approach
BASS_LINES: dict[str, tuple[str, tuple[tuple[int, int, str], ...]]] = {
    "pulse": ("bass", tuple((s, 2, "5" if s == 14 else "R") for s in range(0, 16, 2))),
    "sub": ("sub", ((0, 10, "R"), (10, 6, "R"))),
    "eighths": ("bass", tuple((s, 2, "R") for s in range(0, 16, 2))),
    "pluck": ("bass", ((0, 6, "R"), (6, 2, "5"), (8, 8, "R"))),
    "walking": ("bass", ((0, 4, "R"), (4, 4, "3"), (8, 4, "5"), (12, 4, "A"))),
    "funk": ("bass", ((0, 3, "R"), (3, 1, "8"), (6, 2, "R"), (10, 1, "8"), (11, 2, "R"), (14, 2, "5"))),
    "rootfifth": ("bass", ((0, 4, "R"), (4, 4, "5"), (8, 4, "R"), (12, 4, "5"))),
    "synth": ("synthbass", tuple((s, 2, "R" if s % 4 == 0 else "8") for s in range(0, 16, 2))),
    "whole": ("sub", ((0, 16, "R"),)),
}

# Keys: (sixteenth step, length in steps) chord hits, and the strum spread between chord tones in seconds
KEYS_PARTS: dict[str, tuple[tuple[tuple[int, int], ...], float]] = {
    "piano": (((0, 8), (8, 4), (12, 4)), 0.0),
    "rhodes": (((0, 6), (6, 10)), 0.0),
    "guitar": (((0, 4), (4, 2), (6, 4), (10, 2), (12, 2), (14, 2)), 0.012),
    "power": (tuple((s, 2) for s in range(0, 16, 2)), 0.0),
    "stab": (((2, 1), (6, 1), (10, 1), (14, 1)), 0.0),
    "pad": (((0, 16),), 0.0),
}


def render_bass(plan: SongPlan, sample_rate: int) -> np.ndarray:
    timbre_name, line = BASS_LINES.get(plan.style.bass, BASS_LINES["pulse"])
    player = _Player(plan, TIMBRES[timbre_name], sample_rate)
    for bar, chord in enumerate(plan.chords):
        following = plan.chords[min(bar + 1, plan.bars - 1)]
        level = 0.6 + 0.4 * plan.part_at(bar).energy
        steps = line if bar < plan.bars - 1 else ((0, 16, "R"),)
        for step, length, choice in steps:
            pitch = _bass_pitch(chord, following, choice)
            player.play((pitch,), bar * 4 + step / 4, length / 4, level)
    return player.out


def render_keys(plan: SongPlan, sample_rate: int) -> np.ndarray:
    hits, strum = KEYS_PARTS.get(plan.style.keys, KEYS_PARTS["piano"])
    player = _Player(plan, TIMBRES.get(plan.style.keys, TIMBRES["piano"]), sample_rate)
    for bar, chord in enumerate(plan.chords):
        level = 0.5 + 0.5 * plan.part_at(bar).energy
        tones = (chord.root + 12, chord.root + 19, chord.root + 24) if plan.style.keys == "power" else chord.tones
        bar_hits = hits if bar < plan.bars - 1 else ((0, 16),)
        for step, length in bar_hits:
            beat = bar * 4 + step / 4
            if strum:
                for index, tone in enumerate(tones):
                    delay = index * strum * plan.bpm / 60
                    player.play((tone,), beat + delay, length / 4, level * 0.6)
            else:
                player.play(tones, beat, length / 4, level)
    return player.out


def render_lead(plan: SongPlan, sample_rate: int) -> np.ndarray:
    """The melody on an instrument: the tune of an instrumental, a quiet guide under a sung one."""
    player = _Player(plan, TIMBRES[plan.style.lead], sample_rate)
    for melody_note in plan.melody:
        beats = max(melody_note.beats - 0.05, 0.05)
        player.play((melody_note.pitch,), melody_note.start_beat, beats, 0.8)
    return player.out


class _Player:
    """Plays one instrument onto a song-long stem; a note repeated with the same length is rendered once."""

    def __init__(self, plan: SongPlan, timbre: Timbre, sample_rate: int) -> None:
        self.plan, self.timbre, self.sample_rate = plan, timbre, sample_rate
        self.out = np.zeros(int(plan.duration_seconds * sample_rate), np.float32)
        self._note = lru_cache(maxsize=32)(note)

    def play(self, pitches: tuple[int, ...], beat: float, beats: float, gain: float) -> None:
        start = int(self.plan.seconds(beat) * self.sample_rate)
        held = int(self.plan.seconds(beat + beats) * self.sample_rate) - start
        add_at(self.out, start, self._note(self.timbre, pitches, max(held, 1), self.sample_rate), gain)


def _bass_pitch(chord: Chord, following: Chord, choice: str) -> int:
    if choice == "5":
        return chord.root + 7
    if choice == "8":
        return chord.root + 12
    if choice == "3":
        third = next((t for t in chord.tones if (t - chord.root) % 12 in (3, 4)), chord.root + 7)
        return chord.root + (third - chord.root) % 12
    if choice == "A":
        return following.root - 1 if following.root != chord.root else chord.root + 7
    return chord.root

"""Write a melody line: one note per syllable, stressed syllables on the beat, chord tones on strong beats.

A name's stressed syllable (weight HOLD) waits for a strong beat (the first or third of the bar) and is
held at least a beat, so the name is heard whole.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

LOWEST_STEP, HIGHEST_STEP = -3, 8  # melody range in scale steps around the tonic
MAX_WAIT_SECONDS = 0.3  # a stressed syllable waits for the beat only this long: slow songs would drawl
HOLD = 2  # syllable weight of a name's stressed syllable (0 unstressed, 1 stressed)
PICKUP = 3  # an unstressed syllable of a name before its stressed one: sung just before the strong beat


@dataclass(frozen=True)
class Phrase:
    """Where a line sits and how it should move."""

    start_beat: float
    bars: int
    slots_per_beat: int
    center: int  # scale step the line hovers around (higher for choruses)
    arch: float  # how far the contour rises mid-line, in scale steps
    repeat_chance: float  # chance a weak note repeats the previous pitch (high for rap)
    hold: int = 2  # slots a HOLD syllable lasts
    slot_seconds: float = 0.25  # how long a slot lasts at the song's tempo


@dataclass(frozen=True)
class Scale:
    tonic: int  # MIDI note of scale step 0
    steps: tuple[int, ...]  # semitones of the seven scale steps

    def midi(self, step: int) -> int:
        return self.tonic + 12 * (step // 7) + self.steps[step % 7]

    def pitch_class(self, step: int) -> int:
        return self.midi(step) % 12


def rhythm(weights: Sequence[int], phrase: Phrase, rng: np.random.Generator,
           breaths: Sequence[bool] = ()) -> list[tuple[int, int]]:
    """(start slot, length in slots) per syllable; a rest of at least one beat closes the line.

    A syllable after a comma (``breaths``) gets a short rest before it when the line has room, and a
    name waiting for its strong beat is preceded by a rest rather than by a stretched syllable.
    """
    per_beat = phrase.slots_per_beat
    usable = phrase.bars * 4 * per_beat - per_beat
    holds = sum(1 for w in weights if w == HOLD)

    def waits_briefly(slots: int) -> bool:
        return slots * phrase.slot_seconds <= MAX_WAIT_SECONDS

    spare = usable - len(weights) - holds * (phrase.hold - 1)
    starts: list[int] = []
    own: list[int] = []  # each syllable's own length in slots, kept when a rest follows it
    rest_after: set[int] = set()
    position = 0
    for index, weight in enumerate(weights):
        reserve = sum(1 for w in weights[index:] if w == HOLD) * (2 * per_beat - 1)  # kept for the name's strong beat
        if index < len(breaths) and breaths[index] and starts and spare > reserve:
            spare -= 1
            position += 1
            rest_after.add(len(starts) - 1)
        offbeat = position % per_beat
        to_strong = -position % (2 * per_beat)
        if weight == HOLD and to_strong and spare >= to_strong:
            spare -= to_strong
            position += to_strong
            pickups = len(starts) - len(_without_trailing(weights[: len(starts)], PICKUP))
            for moved in range(len(starts) - pickups, len(starts)):
                starts[moved] += to_strong  # the name's first syllables lead into the beat
            if len(starts) > pickups:
                rest_after.add(len(starts) - pickups - 1)  # ...and the word before the name stops: a rest
        elif weight == 1 and offbeat and spare - reserve >= per_beat - offbeat and waits_briefly(per_beat - offbeat):
            spare -= per_beat - offbeat
            position += per_beat - offbeat
        elif spare > reserve and weight == 0 and waits_briefly(1) and rng.random() < 0.2:
            spare -= 1
            position += 1
        starts.append(position)
        own.append(phrase.hold if weight == HOLD else 1)
        position += own[-1]
    last_length = own[-1] + max(0, min(spare, per_beat))  # a line ends on at most a beat more
    ends = [start + own[i] if i in rest_after else following for i, (start, following) in enumerate(zip(starts, starts[1:]))]
    ends.append(starts[-1] + last_length)
    return [(start, end - start) for start, end in zip(starts, ends)]


def _without_trailing(items: Sequence[int], value: int) -> Sequence[int]:
    end = len(items)
    while end and items[end - 1] == value:
        end -= 1
    return items[:end]


def melody(
    weights: Sequence[int],
    phrase: Phrase,
    scale: Scale,
    chord_at: Callable[[float], frozenset[int]],
    rng: np.random.Generator,
    breaths: Sequence[bool] = (),
) -> list[tuple[float, float, int]]:
    """(start beat, length in beats, MIDI pitch) per syllable."""
    if not weights:
        return []
    slots = rhythm(weights, phrase, rng, breaths)
    step = phrase.center + int(rng.integers(-1, 2))
    notes = []
    last = len(slots) - 1
    for index, (start, length) in enumerate(slots):
        beat = phrase.start_beat + start / phrase.slots_per_beat
        target = phrase.center + phrase.arch * math.sin(math.pi * index / max(last, 1))
        chord = chord_at(beat)
        if index == last:
            step = _nearest_chord_step(step, step, chord, scale, prefer=scale.pitch_class(0))
        elif start % phrase.slots_per_beat == 0:
            step = _nearest_chord_step(step, target, chord, scale)
        elif rng.random() >= phrase.repeat_chance:
            direction = int(np.sign(round(target - step))) or int(rng.choice((-1, 1)))
            step += direction if rng.random() < 0.8 else -direction
        step = min(max(step, LOWEST_STEP), HIGHEST_STEP)
        notes.append((beat, length / phrase.slots_per_beat, scale.midi(step)))
    return notes


def _nearest_chord_step(
    current: int, target: float, chord: frozenset[int], scale: Scale, prefer: int | None = None
) -> int:
    """A chord tone within a fourth of the current note, as close as possible to the contour's target."""
    candidates = [
        s
        for s in range(current - 3, current + 4)
        if LOWEST_STEP <= s <= HIGHEST_STEP and scale.pitch_class(s) in chord
    ]
    if not candidates:
        return current
    return min(candidates, key=lambda s: (abs(s - target) - (0.6 if scale.pitch_class(s) == prefer else 0), s))

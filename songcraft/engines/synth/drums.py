"""The drum kit: synthesized one-shots placed by 16-step patterns, with fills and crashes at section changes."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from songcraft.engines.synth.arrangement import SongPlan
from songcraft.engines.synth.dsp import add_at

# One string per drum voice, one character per sixteenth: X accent, x normal, o ghost, . rest.
PATTERNS: dict[str, dict[str, str]] = {
    "pop": {"kick": "x.......x.x.....", "snare": "....x.......x...", "hat": "x.x.x.x.x.x.x.x."},
    "boombap": {"kick": "X......x..x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.xo"},
    "rock": {"kick": "X.....x.X.x.....", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
    "light": {"kick": "x.......x.......", "rim": "....x.......x...", "shaker": "xoxoxoxoxoxoxoxo"},
    "jazz": {
        "ride": "x...x.x.x...x.x.", "hat": "....x.......x...", "kick": "o.......o.......", "rim": "..........o.....",
    },
    "funk": {"kick": "X.....x...x..x..", "snare": "....X..o.o..X..o", "hat": "xoxoxoxoxoxoxoxo"},
    "country": {"kick": "x.......x.......", "snare": "....x.......x...", "hat": "x.xxx.xxx.xxx.xx"},
    "four": {"kick": "X...X...X...X...", "clap": "....x.......x...", "open": "..x...x...x...x."},
    "lofi": {"kick": "x......x.x......", "snare": "....x.......x...", "hat": "xoxoxoxoxoxoxoxo"},
    "synthwave": {"kick": "X...X...X...X...", "snare": "....X.......X...", "hat": "x.x.x.x.x.x.x.x."},
    "ballad": {"kick": "x.......o.......", "rim": "........x.......", "hat": "x...x...x...x..."},
}
_VELOCITY = {"X": 1.0, "x": 0.75, "o": 0.4}
_LEVEL = {
    "kick": 1.0, "snare": 0.8, "clap": 0.7, "hat": 0.3, "open": 0.3, "shaker": 0.25, "rim": 0.45, "ride": 0.35, "crash": 0.45,
}
_FILL = "....xxxx" + "oxox" + "xxXX"  # snare in the last bar of a section, building into the next


def render_drums(plan: SongPlan, sample_rate: int) -> np.ndarray:
    out = np.zeros(int(plan.duration_seconds * sample_rate), np.float32)
    shots = _one_shots(sample_rate)
    rng = np.random.default_rng(plan.seed ^ 0xD5)
    pattern = PATTERNS.get(plan.style.drums, PATTERNS["pop"])
    snare = "snare" if "snare" in pattern else "rim"

    def hit(voice: str, beat: float, velocity: float) -> None:
        start = int(plan.seconds(beat) * sample_rate)
        add_at(out, start, shots[voice], _LEVEL[voice] * velocity * rng.uniform(0.9, 1.0))

    for bar in range(plan.bars - 1):
        part = plan.part_at(bar)
        level = 0.55 + 0.45 * part.energy
        first_bar, last_bar = bar == part.start_bar, bar == part.start_bar + part.bars - 1
        if first_bar and bar and part.energy >= 0.75:
            hit("crash", bar * 4, level)
        for voice, steps in pattern.items():
            if part.kind == "intro" and voice not in ("hat", "ride", "shaker", "kick"):
                continue
            if last_bar and voice == snare and part.kind != "outro":
                steps = _FILL
            for step, mark in enumerate(steps):
                if mark != ".":
                    hit(voice, bar * 4 + step / 4, level * _VELOCITY[mark])
    final = (plan.bars - 1) * 4
    hit("crash", final, 0.9)
    hit("kick", final, 0.9)
    return out


@lru_cache(maxsize=4)
def _one_shots(sample_rate: int) -> dict[str, np.ndarray]:
    """Every drum sound, synthesized once: tuned sine sweeps for the kick, filtered noise for the rest."""
    noise_source = np.random.default_rng(7)

    def time(seconds: float) -> np.ndarray:
        return np.arange(int(seconds * sample_rate)) / sample_rate

    def noise(t: np.ndarray, brightness: int = 1) -> np.ndarray:
        n = noise_source.standard_normal(len(t))
        for _ in range(brightness):  # each difference is a gentle high-pass
            n = np.diff(n, prepend=0.0) * 0.7
        return n

    t = time(0.45)
    kick_phase = 2 * np.pi * np.cumsum(45 + 110 * np.exp(-t / 0.03)) / sample_rate
    kick = np.sin(kick_phase) * np.exp(-t / 0.16) + noise(t) * np.exp(-t / 0.002) * 0.3
    t = time(0.3)
    snare = np.sin(2 * np.pi * 185 * t) * np.exp(-t / 0.05) * 0.6 + noise(t) * np.exp(-t / 0.09) * 0.8
    bursts = sum(np.exp(-np.clip(t - d, 0, None) / 0.004) * (t >= d) for d in (0.0, 0.011, 0.022))
    clap = noise(t) * (bursts + np.exp(-t / 0.08) * 0.6) * 0.7
    t_short, t_open = time(0.09), time(0.45)
    t_ride, t_crash = time(1.0), time(1.8)
    ride_tones = sum(np.sin(2 * np.pi * f * t_ride + p) for f, p in ((3430, 0.3), (4870, 1.1), (5940, 2.0), (7120, 0.7)))
    shots = {
        "kick": kick,
        "snare": snare,
        "clap": clap,
        "hat": noise(t_short, 2) * np.exp(-t_short / 0.015) * 0.6,
        "open": noise(t_open, 2) * np.exp(-t_open / 0.12) * 0.5,
        "shaker": noise(t_short, 2) * np.minimum(1, t_short / 0.012) * np.exp(-t_short / 0.03) * 0.5,
        "rim": np.sin(2 * np.pi * 1700 * t_short) * np.exp(-t_short / 0.008) + noise(t_short) * np.exp(-t_short / 0.005),
        "ride": (ride_tones * 0.12 + noise(t_ride, 2) * 0.2) * np.exp(-t_ride / 0.35),
        "crash": noise(t_crash, 2) * np.exp(-t_crash / 0.5) * 0.6,
    }
    for shot in shots.values():
        shot /= np.abs(shot).max()
    return {name: shot.astype(np.float32) for name, shot in shots.items()}

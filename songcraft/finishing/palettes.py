"""Colours by mood and a motif by genre, shared by the designed covers and the gift page.

Each palette is dark enough at `deep` for white text and light enough at `light` for `deep`
text (both pairs pass WCAG AA), so covers and pages stay readable whatever the mood.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Palette:
    deep: str  # background of covers at the bottom, buttons on light pages
    glow: str  # the bright end of a cover's gradient
    light: str  # motifs, "for <name>" on covers, highlights on dark pages


MOOD_PALETTES = {
    "joyful": Palette(deep="#7c2d12", glow="#f59e0b", light="#fde68a"),
    "romantic": Palette(deep="#6b0f2e", glow="#e8436d", light="#fecdd3"),
    "emotional": Palette(deep="#12284f", glow="#3f78c4", light="#bfdbfe"),
    "playful": Palette(deep="#134e4a", glow="#18b3a1", light="#fef08a"),
    "ironic": Palette(deep="#2e1065", glow="#7c3aed", light="#d9f99d"),
    "nostalgic": Palette(deep="#452a17", glow="#b7791f", light="#fde7c7"),
    "epic": Palette(deep="#111338", glow="#4f46e5", light="#fcd34d"),
}
DEFAULT_MOOD = "joyful"

# The motif a designed cover draws behind the title.
GENRE_MOTIFS = {
    "pop": "rings", "electropop": "rings", "funk": "rings",
    "synthwave": "sun", "lo-fi": "sun",
    "rock": "stripes", "rap": "stripes",
    "jazz": "waves", "acoustic": "waves", "country": "waves", "ballad": "waves",
}
DEFAULT_MOTIF = "rings"


def palette_for(mood: str) -> Palette:
    return MOOD_PALETTES.get(mood, MOOD_PALETTES[DEFAULT_MOOD])


def motif_for(genre: str) -> str:
    return GENRE_MOTIFS.get(genre, DEFAULT_MOTIF)


def rgb(colour: str) -> tuple[int, int, int]:
    """'#rrggbb' as an (r, g, b) tuple."""
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)

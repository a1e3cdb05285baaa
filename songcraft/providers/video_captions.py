"""Captions for the video: each sung line, drawn with Pillow into a transparent PNG band.

ffmpeg plays the bands as an image sequence through one ``overlay``, which works with any
ffmpeg build and font setup (unlike ``drawtext`` or ``subtitles``).

A line is shown whole: it wraps to at most two rows across 90 % of the frame's width, split
where the two rows come out most even, and a line too long for that is drawn in a smaller
font rather than cut. Only a line that would not fit two rows even at a quarter of the usual
size (hundreds of characters) takes more rows; a word wider than the frame is split between
letters. Nothing is ever replaced by "…".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CAPTION_FONT = "DejaVuSans-Bold.ttf"  # Pillow looks the bare name up in the system font folders
TEXT_WIDTH_SHARE = 0.9  # of the frame's width
SHRINK_STEP = 0.9  # each try at fitting a long line uses a font this much smaller
SMALLEST_FONT_SHARE = 0.25  # of the usual size


@dataclass(frozen=True)
class Caption:
    start: float
    end: float
    text: str


def even(value: float) -> int:
    return int(round(value / 2)) * 2


def tidy_captions(captions: list[Caption], duration: float) -> list[Caption]:
    """Sorted, non-overlapping, non-empty captions inside the song."""
    ordered = sorted((c for c in captions if c.text.strip()), key=lambda c: c.start)
    tidy = []
    for index, caption in enumerate(ordered):
        next_start = ordered[index + 1].start if index + 1 < len(ordered) else duration
        start, end = max(caption.start, 0.0), min(caption.end, next_start, duration)
        if end > start:
            tidy.append(Caption(start, end, " ".join(caption.text.split())))
    return tidy


@dataclass(frozen=True)
class CaptionLayout:
    """A caption's rows and the font size they fit at."""

    rows: tuple[str, ...]
    font_size: int

    @property
    def text(self) -> str:
        return "\n".join(self.rows)


def lay_out(text: str, frame_size: tuple[int, int]) -> CaptionLayout:
    """The rows of ``text`` at the largest font size, from the usual one down, that keeps them to two."""
    usual = usual_font_size(frame_size)
    smallest = max(8, round(usual * SMALLEST_FONT_SHARE))
    max_width = frame_size[0] * TEXT_WIDTH_SHARE
    words = text.split()
    size = usual
    while True:
        font = caption_font(size)
        rows = _rows(words, font, max_width)
        if rows is not None:
            return CaptionLayout(rows, size)
        if size == smallest:
            return CaptionLayout(_greedy_rows(words, font, max_width), size)
        size = max(smallest, int(size * SHRINK_STEP))


def usual_font_size(frame_size: tuple[int, int]) -> int:
    return max(16, min(frame_size) // 16)


def _rows(words: list[str], font, max_width: float) -> tuple[str, ...] | None:
    """One row if it fits, else the most even split into two rows that both fit; None if neither does."""
    whole = " ".join(words)
    if font.getlength(whole) <= max_width:
        return (whole,)
    splits = [(" ".join(words[:cut]), " ".join(words[cut:])) for cut in range(1, len(words))]
    widest = [(max(font.getlength(row) for row in rows), rows) for rows in splits]
    fitting = [(width, rows) for width, rows in widest if width <= max_width]
    return min(fitting, key=lambda fit: fit[0], default=(None, None))[1]


def _greedy_rows(words: list[str], font, max_width: float) -> tuple[str, ...]:
    """As many rows as it takes, words wider than a row split between letters: the last resort."""
    rows: list[str] = []
    for word in words:
        candidate = f"{rows[-1]} {word}" if rows else word
        if rows and font.getlength(candidate) <= max_width:
            rows[-1] = candidate
            continue
        piece = ""
        for letter in word:
            if piece and font.getlength(piece + letter) > max_width:
                rows.append(piece)
                piece = ""
            piece += letter
        rows.append(piece)
    return tuple(rows)


@lru_cache(maxsize=64)
def caption_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans Bold where installed (covers Cyrillic and Greek too), else Pillow's built-in font."""
    try:
        return ImageFont.truetype(CAPTION_FONT, size)
    except OSError:
        return ImageFont.load_default(size)


@dataclass(frozen=True)
class CaptionTrack:
    """An ffconcat list of equally sized caption images, and where they go on the frame."""

    listing: Path
    x: int
    y: int


@dataclass(frozen=True)
class CaptionArt:
    """Every caption of a song drawn once, all in one band size, so a caption sits at the same
    place whichever part of the video shows it; ``track`` lists those of a stretch of the song."""

    captions: list[Caption]
    images: list[Path]
    blank: Path
    position: tuple[int, int]

    def track(self, start: float, seconds: float, listing: Path) -> CaptionTrack | None:
        """The captions due in the ``seconds`` from ``start``, timed from ``start``, each image
        listed for its span and blanks in between (``listing`` in the images' folder); None when
        none is due."""
        entries, clock = [], 0.0
        for caption, image in zip(self.captions, self.images):
            shown_from, shown_to = max(caption.start - start, 0.0), min(caption.end - start, seconds)
            if shown_to <= shown_from:
                continue
            if shown_from > clock:
                entries.append((self.blank, shown_from - clock))
            entries.append((image, shown_to - shown_from))
            clock = shown_to
        if not entries:
            return None
        # The concat demuxer ignores the last entry's duration: end on a blank.
        entries.append((self.blank, 1.0))
        listing.write_text(
            "ffconcat version 1.0\n"
            + "".join(f"file '{path.name}'\nduration {seconds:.3f}\n" for path, seconds in entries)
            + f"file '{self.blank.name}'\n"
        )
        return CaptionTrack(listing, *self.position)


def draw_captions(captions: list[Caption], frame_size: tuple[int, int], work: Path) -> CaptionArt | None:
    """Draw every caption (tidy ones: see ``tidy_captions``) into ``work``.

    The band is only as large as the largest caption needs, because the
    overlay blends every pixel of it into every frame.
    """
    if not captions:
        return None
    layouts = [lay_out(caption.text, frame_size) for caption in captions]
    band_size = _band_size(layouts, usual_font_size(frame_size))
    blank = work / "caption-blank.png"
    Image.new("RGBA", band_size, (0, 0, 0, 0)).save(blank)
    images = [work / f"caption{index}.png" for index in range(len(captions))]
    for layout, image in zip(layouts, images):
        _draw(layout, band_size).save(image)
    width, height = frame_size
    return CaptionArt(captions, images, blank, ((width - band_size[0]) // 2, height - band_size[1] - height // 16))


def write_caption_track(captions: list[Caption], frame_size: tuple[int, int], work: Path) -> CaptionTrack | None:
    """Draw every caption and list each image for its time span, blanks in between."""
    art = draw_captions(captions, frame_size, work)
    return art.track(0.0, math.inf, work / "captions.ffconcat") if art else None


def _style(font_size: int) -> dict:
    """White text with a black outline, centred."""
    return {
        "font": caption_font(font_size),
        "align": "center",
        "spacing": font_size * 0.3,
        "stroke_width": max(2, font_size // 12),
    }


def _band_size(layouts: list[CaptionLayout], usual_size: int) -> tuple[int, int]:
    measure = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    boxes = [measure.multiline_textbbox((0, 0), layout.text, **_style(layout.font_size)) for layout in layouts]
    padding = usual_size // 2
    return (
        even(max(right - left for left, _, right, _ in boxes) + 2 * padding),
        even(max(bottom - top for _, top, _, bottom in boxes) + 2 * padding),
    )


def _draw(layout: CaptionLayout, size: tuple[int, int]) -> Image.Image:
    band = Image.new("RGBA", size, (0, 0, 0, 0))
    centre = (size[0] / 2, size[1] / 2)
    ImageDraw.Draw(band).multiline_text(centre, layout.text, anchor="mm", fill="white", stroke_fill="black", **_style(layout.font_size))
    return band

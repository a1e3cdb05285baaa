"""Captions for the video: lyric lines drawn with Pillow into transparent PNG bands.

ffmpeg plays the bands as an image sequence through one ``overlay``, which works with any
ffmpeg build and font setup (unlike ``drawtext`` or ``subtitles``).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

CAPTION_FONT = "DejaVuSans-Bold.ttf"  # Pillow looks the bare name up in the system font folders


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
            tidy.append(Caption(start, end, caption.text.strip()))
    return tidy


@dataclass(frozen=True)
class CaptionTrack:
    """An ffconcat list of equally sized caption images, and where they go on the frame."""

    listing: Path
    x: int
    y: int


def write_caption_track(captions: list[Caption], frame_size: tuple[int, int], work: Path) -> CaptionTrack | None:
    """Draw every caption and list each image for its time span, blanks in between.

    The band is only as large as the longest caption needs, because the
    overlay blends every pixel of it into every frame.
    """
    if not captions:
        return None
    style = _CaptionStyle.for_frame(frame_size)
    texts = [style.wrap(caption.text) for caption in captions]
    band_size = style.band_size(texts)
    blank = work / "caption-blank.png"
    style.draw("", band_size).save(blank)
    entries, clock = [], 0.0
    for index, (caption, text) in enumerate(zip(captions, texts)):
        image = work / f"caption{index}.png"
        style.draw(text, band_size).save(image)
        if caption.start > clock:
            entries.append((blank, caption.start - clock))
        entries.append((image, caption.end - caption.start))
        clock = caption.end
    # The concat demuxer ignores the last entry's duration: end on a blank.
    entries.append((blank, 1.0))
    listing = work / "captions.ffconcat"
    listing.write_text(
        "ffconcat version 1.0\n"
        + "".join(f"file '{path.name}'\nduration {seconds:.3f}\n" for path, seconds in entries)
        + f"file '{blank.name}'\n"
    )
    width, height = frame_size
    return CaptionTrack(listing, x=(width - band_size[0]) // 2, y=height - band_size[1] - height // 16)


@dataclass(frozen=True)
class _CaptionStyle:
    """White text with a black outline, centred, at most three lines."""

    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    font_size: int
    chars_per_line: int
    MAX_LINES = 3

    @classmethod
    def for_frame(cls, frame_size: tuple[int, int]) -> _CaptionStyle:
        font_size = max(16, min(frame_size) // 16)
        font = _caption_font(font_size)
        average_char = font.getlength("abcdefghijklmnopqrstuvwxyz ") / 27
        return cls(font, font_size, chars_per_line=max(10, int(frame_size[0] * 0.85 / average_char)))

    def wrap(self, text: str) -> str:
        return "\n".join(textwrap.wrap(text, self.chars_per_line, max_lines=self.MAX_LINES, placeholder=" …"))

    def band_size(self, texts: list[str]) -> tuple[int, int]:
        measure = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
        boxes = [measure.multiline_textbbox((0, 0), text, **self._layout()) for text in texts]
        padding = self.font_size // 2
        return (
            even(max(right - left for left, _, right, _ in boxes) + 2 * padding),
            even(max(bottom - top for _, top, _, bottom in boxes) + 2 * padding),
        )

    def draw(self, text: str, size: tuple[int, int]) -> Image.Image:
        band = Image.new("RGBA", size, (0, 0, 0, 0))
        if text:
            centre = (size[0] / 2, size[1] / 2)
            ImageDraw.Draw(band).multiline_text(centre, text, anchor="mm", fill="white", stroke_fill="black", **self._layout())
        return band

    def _layout(self) -> dict:
        return {
            "font": self.font,
            "align": "center",
            "spacing": self.font_size * 0.3,
            "stroke_width": max(2, self.font_size // 12),
        }


def _caption_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """DejaVu Sans where installed (covers Cyrillic and Greek too), else Pillow's built-in font."""
    try:
        return ImageFont.truetype(CAPTION_FONT, size)
    except OSError:
        return ImageFont.load_default(size)

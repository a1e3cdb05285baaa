"""Cover art: a square JPEG with the song's title and "for <name>" set in Source Serif.

With a photo, the photo fills the square and darkens towards the bottom, where the text sits.
Without one, the cover is designed: a gradient in the mood's palette and the genre's motif.
A pure function of its inputs (same brief, same bytes), so re-running a step changes nothing.
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps, UnidentifiedImageError

from songcraft.finishing.fonts import TEXT_FONT, TITLE_FONT
from songcraft.finishing.palettes import Palette, motif_for, palette_for, rgb

COVER_SIZE = 1600  # stores ask for at least 1400 x 1400
JPEG_QUALITY = 90
MAX_PHOTO_PIXELS = 40_000_000
_PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
_MISSING_GLYPH = "\uffff"  # a noncharacter: every font draws its "missing glyph" box for it


@dataclass(frozen=True)
class CoverBrief:
    title: str
    recipient_name: str
    genre: str
    mood: str


def render_cover(brief: CoverBrief, photo: bytes | None = None, size: int = COVER_SIZE) -> bytes:
    """The cover as JPEG bytes, `size` pixels square. An unreadable photo gives the designed cover."""
    palette = palette_for(brief.mood)
    background = _photo_background(photo, size, palette) if photo else None
    from_photo = background is not None
    if background is None:
        background = _designed_background(motif_for(brief.genre), palette, size)
    _draw_text(background, brief, palette, shadow=from_photo)
    buffer = io.BytesIO()
    background.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()


# --- Backgrounds -----------------------------------------------------------------------------


def _photo_background(photo: bytes, size: int, palette: Palette) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(photo), formats=_PHOTO_FORMATS)
        if image.width * image.height > MAX_PHOTO_PIXELS:
            return None
        if image.format == "JPEG":
            image.draft("RGB", (size, size))
        image = ImageOps.exif_transpose(image).convert("RGB")
    except _DECODE_ERRORS:
        return None
    square = ImageOps.fit(image, (size, size), Image.Resampling.LANCZOS).convert("RGBA")
    # The lower part darkens into the palette's deep colour, so white text reads on any photo.
    ramp = np.clip((np.linspace(0, 1, size) - 0.35) / 0.65, 0, 1) ** 1.4 * 225
    shade = Image.new("RGBA", (size, size), (*rgb(palette.deep), 0))
    shade.putalpha(Image.fromarray(np.repeat(ramp[:, None], size, axis=1).astype(np.uint8), "L"))
    return Image.alpha_composite(square, shade)


def _designed_background(motif: str, palette: Palette, size: int) -> Image.Image:
    """A diagonal gradient from the glow (top left) to the deep colour, with the motif in light strokes."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1)
    t = np.clip(0.72 * y + 0.28 * x, 0, 1)[..., None] ** 0.85
    pixels = np.array(rgb(palette.glow), np.float32) * (1 - t) + np.array(rgb(palette.deep), np.float32) * t
    image = Image.fromarray(pixels.astype(np.uint8), "RGB").convert("RGBA")
    return Image.alpha_composite(image, _motif_layer(motif, palette, size))


def _motif_layer(motif: str, palette: Palette, size: int) -> Image.Image:
    """The motif drawn at twice the size and scaled down (which smooths its edges), fading out
    towards the bottom where the text sits."""
    big = 2 * size
    layer = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    MOTIFS[motif](ImageDraw.Draw(layer), big, rgb(palette.light))
    layer = layer.resize((size, size), Image.Resampling.LANCZOS)
    fade = np.clip(1.2 - np.linspace(0, 1, size) * 1.1, 0.12, 1)[:, None]
    alpha = np.asarray(layer.getchannel("A"), np.float32) * fade
    layer.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
    return layer


def _rings(draw: ImageDraw.ImageDraw, size: int, colour) -> None:
    cx, cy = 0.7 * size, 0.34 * size
    for index in range(14):
        radius = (0.06 + 0.045 * index) * size
        alpha = max(24, 120 - 7 * index)
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=(*colour, alpha), width=max(4, size // 320))
    draw.ellipse((cx - 0.025 * size, cy - 0.025 * size, cx + 0.025 * size, cy + 0.025 * size), fill=(*colour, 150))


def _sun(draw: ImageDraw.ImageDraw, size: int, colour) -> None:
    cx, cy, radius = 0.5 * size, 0.3 * size, 0.21 * size
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=(*colour, 215))
    for index in range(7):  # the bands cut through the lower half of the sun
        top = cy + (0.02 + 0.028 * index) * size
        draw.rectangle((0, top, size, top + (0.006 + 0.003 * index) * size), fill=(0, 0, 0, 0))
    horizon = cy + radius + 0.03 * size
    for index in range(6):
        level = horizon + (index ** 1.6) * 0.012 * size
        draw.line((0, level, size, level), fill=(*colour, 90 - 12 * index), width=max(3, size // 500))


def _stripes(draw: ImageDraw.ImageDraw, size: int, colour) -> None:
    band, step = 0.05 * size, 0.13 * size
    for index in range(-8, 12):
        offset = index * step
        draw.polygon([(offset, 0), (offset + band, 0), (offset + band + size, size), (offset + size, size)],
                     fill=(*colour, 46 if index % 2 else 26))


def _waves(draw: ImageDraw.ImageDraw, size: int, colour) -> None:
    xs = np.linspace(0, size, 240)
    for index in range(9):
        base = (0.12 + 0.055 * index) * size
        amplitude = (0.018 + 0.004 * index) * size
        points = [(float(x), float(base + amplitude * math.sin(x / size * 2 * math.pi * 1.6 + index * 0.55))) for x in xs]
        draw.line(points, fill=(*colour, 110 - 9 * index), width=max(4, size // 400), joint="curve")


MOTIFS = {"rings": _rings, "sun": _sun, "stripes": _stripes, "waves": _waves}


# --- Text ------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _glyph_bitmap(path: str, character: str) -> bytes:
    canvas = Image.new("L", (96, 96))
    ImageDraw.Draw(canvas).text((16, 8), character, font=_font(path, 48), fill=255)
    return canvas.tobytes()


@lru_cache(maxsize=8192)
def _has_glyph(path: str, character: str) -> bool:
    return character.isspace() or _glyph_bitmap(path, character) != _glyph_bitmap(path, _MISSING_GLYPH)


def printable(text: str, path: str = str(TITLE_FONT)) -> str:
    """`text` without the characters the font cannot draw (emoji, scripts it lacks), spaces tidied."""
    return " ".join("".join(c for c in text if _has_glyph(path, c)).split())


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy word wrap; a word wider than the line is broken between letters."""
    lines, current = [], ""
    for word in text.split():
        while font.getlength(word) > width:
            cut = max(1, next((n for n in range(len(word), 0, -1) if font.getlength(word[:n]) <= width), 1))
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{current} {word}".strip()
        if font.getlength(candidate) <= width:
            current = candidate
        else:
            lines.append(current)
            current = word
    return [*lines, current] if current else lines


def _fit(text: str, path: str, width: float, largest: int, smallest: int, max_lines: int):
    """The largest font size (and its lines) at which `text` wraps into `max_lines` lines."""
    for size in range(largest, smallest - 1, -4):
        font = _font(path, size)
        lines = _wrap(text, font, width)
        if len(lines) <= max_lines:
            return font, lines
    font = _font(path, smallest)
    return font, _wrap(text, font, width)


def _draw_text(image: Image.Image, brief: CoverBrief, palette: Palette, shadow: bool) -> None:
    size = image.width
    margin = round(size * 0.08)
    width = size - 2 * margin
    title = printable(brief.title) or printable(f"A song for {brief.recipient_name}")
    name = printable(f"for {brief.recipient_name}", str(TEXT_FONT))
    title_font, title_lines = _fit(title, str(TITLE_FONT), width, round(size * 0.095), round(size * 0.045), 3)
    name_font, name_lines = _fit(name, str(TEXT_FONT), width, round(size * 0.05), round(size * 0.03), 2)
    title_step, name_step = round(title_font.size * 1.08), round(name_font.size * 1.2)

    placed = []  # (x, y, text, font, colour) from the bottom up
    y = size - margin - name_step * len(name_lines)
    for index, line in enumerate(name_lines):
        placed.append((margin, y + index * name_step, line, name_font, (*rgb(palette.light), 255)))
    y -= round(title_font.size * 0.35) + title_step * len(title_lines)
    for index, line in enumerate(title_lines):
        placed.append((margin, y + index * title_step, line, title_font, (255, 255, 255, 255)))
    brand_font = _font(str(TEXT_FONT), round(size * 0.024))
    placed.append((margin, margin, "SongCraft", brand_font, (255, 255, 255, 210)))

    if shadow:  # a soft dark halo keeps the letters apart from a busy photo
        halo = Image.new("RGBA", image.size, (0, 0, 0, 0))
        halo_draw = ImageDraw.Draw(halo)
        for x, y, text, font, _ in placed:
            halo_draw.text((x, y), text, font=font, fill=(0, 0, 0, 150))
        image.alpha_composite(halo.filter(ImageFilter.GaussianBlur(size / 200)))
    draw = ImageDraw.Draw(image)
    for x, y, text, font, colour in placed:
        draw.text((x, y), text, font=font, fill=colour)

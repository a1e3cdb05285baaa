"""Validate and normalise customer photo uploads.

The format is decided by the bytes (Pillow), never by the file name or the
declared content type. The output is always re-encoded from pixels, so
nothing the customer's camera wrote survives except the colour profile:

* EXIF (including GPS), XMP and comments are dropped; the EXIF orientation is
  applied to the pixels first so the photo still shows the right way up.
* The ICC colour profile is kept: it is not personal data, and dropping it
  would shift the colours of wide-gamut phone photos.
* Photos without transparency become JPEG; photos with an alpha channel stay
  PNG so the transparency survives.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
JPEG_QUALITY = 85

# Pillow raises these for corrupt or truncated files while parsing or decoding.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)


class ImageRejected(Exception):
    """The upload cannot be used; the message is safe to show to the customer."""


class UnsupportedImage(ImageRejected):
    """Not a readable JPEG, PNG or WebP image."""


class ImageTooLarge(ImageRejected):
    """Too many bytes or too many pixels."""


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_content_type: str


@dataclass(frozen=True)
class _OutputFormat:
    pillow_name: str
    content_type: str
    extension: str
    mode: str


_JPEG = _OutputFormat("JPEG", "image/jpeg", "jpg", "RGB")
_PNG = _OutputFormat("PNG", "image/png", "png", "RGBA")


def process_upload(
    data: bytes,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    max_size: tuple[int, int] = (1920, 1080),
    thumb_size: tuple[int, int] = (320, 320),
) -> ProcessedImage:
    """Check an uploaded photo and return a cleaned, downsized copy plus a thumbnail.

    Raises ``UnsupportedImage`` or ``ImageTooLarge`` (both ``ImageRejected``).
    The thumbnail fits within ``thumb_size`` keeping the aspect ratio (no crop).
    """
    if len(data) > max_bytes:
        raise ImageTooLarge(f"The image is larger than {max_bytes // (1024 * 1024)} MB.")
    image = _open_checked(data, max_pixels, largest_side=max(max_size))
    oriented = ImageOps.exif_transpose(image)
    icc_profile = image.info.get("icc_profile")
    output = _PNG if _has_alpha(oriented) else _JPEG
    clean = _pixels_only(oriented, output.mode)
    clean.thumbnail(max_size, Image.Resampling.LANCZOS)
    thumbnail = clean.copy()
    thumbnail.thumbnail(thumb_size, Image.Resampling.LANCZOS)
    return ProcessedImage(
        content=_encode(clean, output, icc_profile),
        content_type=output.content_type,
        extension=output.extension,
        width=clean.width,
        height=clean.height,
        thumbnail=_encode(thumbnail, output, icc_profile),
        thumbnail_content_type=output.content_type,
    )


def _open_checked(data: bytes, max_pixels: int, largest_side: int) -> Image.Image:
    """Open and fully decode the image, refusing bombs before decoding pixels.

    Pillow's own bomb guard warns (not fails) between ``Image.MAX_IMAGE_PIXELS``
    and twice that. Instead of flipping the process-wide warning filters (not
    thread-safe), the pixel count is checked here against the lower of both
    limits, so every image that would only trigger the warning is refused too.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        raise ImageTooLarge("The image has too many pixels.") from error
    except _DECODE_ERRORS as error:
        raise UnsupportedImage("Only JPEG, PNG and WebP images are accepted.") from error
    pixel_limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    if image.width * image.height > pixel_limit:
        raise ImageTooLarge(
            f"The image has {image.width}x{image.height} pixels; at most {pixel_limit:,} are accepted."
        )
    if image.format == "JPEG":
        # Decode big JPEGs at a reduced scale; the result still covers largest_side.
        image.draft("RGB", (largest_side, largest_side))
    try:
        image.load()
    except _DECODE_ERRORS as error:
        raise UnsupportedImage("The image file is damaged or incomplete.") from error
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _pixels_only(image: Image.Image, mode: str) -> Image.Image:
    """A copy with the pixels in ``mode`` and no metadata at all."""
    converted = image.convert(mode)
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def _encode(image: Image.Image, output: _OutputFormat, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options: dict = {"optimize": True}
    if icc_profile:
        options["icc_profile"] = icc_profile
    if output is _JPEG:
        options["quality"] = JPEG_QUALITY
    image.save(buffer, output.pillow_name, **options)
    return buffer.getvalue()

"""Validate and normalise customer photo uploads, in bounded time and memory.

The format is decided by the bytes (Pillow), never by the file name or the
declared content type. The output is always a JPEG re-encoded from pixels, so
nothing the customer's camera wrote survives except the colour profile:

* EXIF (including GPS), XMP and comments are dropped; the EXIF orientation is
  applied to the pixels so the photo still shows the right way up.
* The ICC colour profile is kept: it is not personal data, and dropping it
  would shift the colours of wide-gamut phone photos.
* Transparent photos are flattened onto white, as the video shows them. (PNG
  output would keep an alpha channel nobody shows, and encoding one costs
  ten times a JPEG.)

Work is bounded before any pixel is decoded. :func:`read_header` reads the
header only: the byte size, the format, the dimensions, and the plan: JPEG
is decoded at a reduced scale (``Image.draft``: 1/2, 1/4 or 1/8 while still
covering the output size). It refuses an image with more than
``MAX_IMAGE_PIXELS`` pixels, or whose decoding would hold more than
``MAX_DECODE_BYTES``, and reports that estimate, which the upload service adds
up against a budget per request. After
decoding, the image is shrunk with ``Image.reduce`` band by band, so beyond
the decoded pixels only one band is ever copied.
"""
from __future__ import annotations

import io
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO, Iterator

from PIL import Image, ImageFile, PngImagePlugin, UnidentifiedImageError

from songcraft.files import containers

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
CONTENT_TYPE, EXTENSION = "image/jpeg", "jpg"
JPEG_QUALITY = 85
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# 25 MP: 6124x4082, so 24 MP cameras and phones (an iPhone's 5712x4284) fit.
MAX_IMAGE_PIXELS = 25_000_000
# What the decoder may hold for one image (measured peaks are in the README's benchmarks).
MAX_DECODE_BYTES = 128 * 1024 * 1024
OUTPUT_SIZE = (1920, 1080)
THUMBNAIL_SIZE = (320, 320)

_PILLOW_PIXEL_BYTES = 4  # Pillow keeps RGB, RGBA, CMYK and 16-bit pixels in 4 bytes
_WEBP_PIXEL_BYTES = 16  # libwebp's canvas and previous frame, the frame's bytes, and Pillow's copy
_JPEG_COEFFICIENT_BYTES = 2  # per sample, for the whole image, when libjpeg must buffer the scans
_BAND_ROWS = 64  # output rows made per band while shrinking
# Text chunks are dropped anyway; Pillow would keep up to 64 MB of them decompressed.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024

# Pillow raises these for corrupt or truncated files while parsing or decoding.
_DECODE_ERRORS = (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError)
_EXIF_ORIENTATION = 0x0112
# How to turn the stored pixels upright for each EXIF orientation (as ImageOps.exif_transpose does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = {5, 6, 7, 8}


class ImageRejected(Exception):
    """The upload cannot be used; the message is safe to show to the customer."""


class UnsupportedImage(ImageRejected):
    """Not a readable JPEG, PNG or WebP image."""


class ImageTooLarge(ImageRejected):
    """Too many bytes or too many pixels."""


@dataclass(frozen=True)
class ImageHeader:
    """What the header says, and what decoding the image will cost."""

    format: str
    width: int
    height: int
    decoded_pixels: int  # what the decoder puts out: a JPEG decodes at a reduced size
    decode_bytes: int  # the most memory the decoder will hold, estimated: the measure of its work too


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    thumbnail: bytes
    thumbnail_content_type: str


def read_header(
    source: bytes | BinaryIO,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_size: tuple[int, int] = OUTPUT_SIZE,
) -> ImageHeader:
    """Check an upload from its header alone (no pixel is decoded) and say what decoding it costs.

    Raises ``UnsupportedImage`` or ``ImageTooLarge`` (both ``ImageRejected``).
    """
    with _open_planned(source, max_bytes, max_pixels, max_size) as (_, header):
        return header


def process_upload(
    source: bytes | BinaryIO,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_pixels: int = MAX_IMAGE_PIXELS,
    max_size: tuple[int, int] = OUTPUT_SIZE,
    thumb_size: tuple[int, int] = THUMBNAIL_SIZE,
) -> ProcessedImage:
    """Check an uploaded photo and return a cleaned JPEG that fits ``max_size``, plus a thumbnail.

    Raises ``UnsupportedImage`` or ``ImageTooLarge`` (both ``ImageRejected``), the size checks
    before decoding. The thumbnail fits within ``thumb_size`` keeping the aspect ratio (no crop).
    """
    with _open_planned(source, max_bytes, max_pixels, max_size) as (image, header):
        try:
            image.load()
        except _DECODE_ERRORS as error:
            raise UnsupportedImage("The image file is damaged or incomplete.") from error
        icc_profile = image.info.get("icc_profile")
        orientation = _orientation(image)
        target = _fit((header.width, header.height), _stored_box(max_size, orientation))
        clean = _shrink(image, factor=max(1, min(image.width // target[0], image.height // target[1])))
    if orientation in _UPRIGHT:
        clean = clean.transpose(_UPRIGHT[orientation])
    # After the box reduction the photo is less than twice the output: bilinear is smooth enough, and fast.
    clean.thumbnail(max_size, Image.Resampling.BILINEAR)
    thumbnail = clean.copy()
    thumbnail.thumbnail(thumb_size, Image.Resampling.BILINEAR)
    return ProcessedImage(
        content=_encode(clean, icc_profile),
        content_type=CONTENT_TYPE,
        extension=EXTENSION,
        width=clean.width,
        height=clean.height,
        thumbnail=_encode(thumbnail, icc_profile),
        thumbnail_content_type=CONTENT_TYPE,
    )


@contextmanager
def _open_planned(source: bytes | BinaryIO, max_bytes: int, max_pixels: int,
                  max_size: tuple[int, int]) -> Iterator[tuple[Image.Image, ImageHeader]]:
    """Open the upload (header only), plan a reduced JPEG decode, and refuse it if too costly.

    Yields the lazily-decoding image and its header; on exit the image's pixels are freed at
    once. Pillow's own bomb guard only warns between ``Image.MAX_IMAGE_PIXELS`` and twice that;
    instead of flipping the process-wide warning filters (not thread-safe), the pixel count is
    checked here against the lower of both limits.
    """
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    if _byte_size(stream) > max_bytes:
        raise ImageTooLarge(f"The image is larger than {max_bytes / (1024 * 1024):g} MB.")
    first_scan_components = _check_structure(stream)
    try:
        image = Image.open(stream, formats=ACCEPTED_FORMATS)
    except Image.DecompressionBombError as error:
        raise ImageTooLarge("The image has too many pixels.") from error
    except _DECODE_ERRORS as error:
        raise UnsupportedImage("Only JPEG, PNG and WebP images are accepted.") from error
    try:
        yield image, _plan(image, first_scan_components, max_pixels, max_size)
    finally:
        Image.Image.close(image)  # frees the pixels; ImageFile.close would also close the caller's stream


def _check_structure(stream: BinaryIO) -> int | None:
    """Refuse a JPEG or PNG that Pillow would take seconds to parse; for a JPEG, the components of its first scan."""
    signature = stream.read(len(containers.PNG_SIGNATURE))
    try:
        if signature.startswith(containers.PNG_SIGNATURE):
            containers.check_png(stream)
        elif signature.startswith(containers.JPEG_SIGNATURE):
            return containers.jpeg_first_scan_components(stream)
        return None
    except containers.UnusualStructure as error:
        raise UnsupportedImage(str(error)) from error
    finally:
        stream.seek(0)


def _plan(image: Image.Image, first_scan_components: int | None, max_pixels: int, max_size: tuple[int, int]) -> ImageHeader:
    """Check the dimensions, set up a reduced JPEG decode, and estimate what decoding costs."""
    width, height = image.size
    pixels = width * height
    pixel_limit = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    if pixels > pixel_limit:
        raise ImageTooLarge(f"The image has {width}x{height} pixels; at most {pixel_limit / 1e6:.3g} megapixels are accepted.")
    if image.format == "WEBP":
        decoded, decode_bytes = pixels, pixels * _WEBP_PIXEL_BYTES
    elif image.format == "JPEG":
        image.draft("RGB", _fit((width, height), _stored_box(max_size, _orientation(image))))
        decoded, decode_bytes = image.width * image.height, image.width * image.height * _PILLOW_PIXEL_BYTES
        if _jpeg_buffers_scans(image, first_scan_components):  # every coefficient is decoded and kept, at full size
            decode_bytes += int(pixels * _jpeg_samples_per_pixel(image)) * _JPEG_COEFFICIENT_BYTES
    else:
        decoded, decode_bytes = pixels, pixels * _PILLOW_PIXEL_BYTES
    if decode_bytes > MAX_DECODE_BYTES:
        limit = pixels * MAX_DECODE_BYTES // decode_bytes
        kind = {"PNG": "PNG image", "WEBP": "WebP image"}.get(image.format, "progressive or multi-scan JPEG")
        raise ImageTooLarge(f"The image has {width}x{height} pixels; at most {limit / 1e6:.3g} megapixels are accepted "
                            f"for a {kind}.")
    return ImageHeader(image.format, width, height, decoded, decode_bytes)


def _jpeg_buffers_scans(image: Image.Image, first_scan_components: int | None) -> bool:
    """Whether libjpeg must keep the whole image's coefficients: a progressive JPEG, or one whose
    first scan lacks some of the colour components (so more scans follow)."""
    return bool(image.info.get("progressive")) or first_scan_components is None or first_scan_components < len(image.layer)


def _jpeg_samples_per_pixel(image: Image.Image) -> float:
    """Samples per pixel over all components (3 for 4:4:4 YCbCr, 1.5 for 4:2:0, 4 for CMYK)."""
    sampling = [(horizontal, vertical) for _, horizontal, vertical, _ in image.layer]
    full = max(h for h, _ in sampling) * max(v for _, v in sampling)
    return sum(h * v for h, v in sampling) / full


def _byte_size(stream: BinaryIO) -> int:
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    return size


def _orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 = upright); a damaged EXIF block counts as upright, not as an error."""
    try:
        return int(image.getexif().get(_EXIF_ORIENTATION, 1))
    except _DECODE_ERRORS + (TypeError,):
        return 1


def _stored_box(box: tuple[int, int], orientation: int) -> tuple[int, int]:
    """The output box in the stored orientation: a photo stored sideways fits a turned box."""
    return (box[1], box[0]) if orientation in _SIDEWAYS else box


def _fit(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """``size`` scaled down (never up) to fit ``box``, keeping the aspect ratio."""
    scale = min(box[0] / size[0], box[1] / size[1], 1.0)
    return max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale))


def _shrink(image: Image.Image, factor: int) -> Image.Image:
    """``image`` flattened onto white and box-reduced by ``factor``, band by band to bound the copies.

    Flattening before averaging gives the same pixels as averaging first (both are linear).
    """
    transparent = _has_alpha(image)
    result = Image.new("RGB", (math.ceil(image.width / factor), math.ceil(image.height / factor)))
    band_height = _BAND_ROWS * factor
    for top in range(0, image.height, band_height):
        band = image.crop((0, top, image.width, min(top + band_height, image.height)))
        if transparent:
            band = band.convert("RGBA")
            flat = Image.new("RGB", band.size, "white")
            flat.paste(band, (0, 0), band)
            band = flat
        else:
            band = band.convert("RGB")
        result.paste(band.reduce(factor) if factor > 1 else band, (0, top // factor))
    return result


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _encode(image: Image.Image, icc_profile: bytes | None) -> bytes:
    buffer = io.BytesIO()
    options: dict = {"quality": JPEG_QUALITY}  # optimize=True would save 5 % of the bytes for three times the time
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()

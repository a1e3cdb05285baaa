"""The photos of a video, composed once with Pillow into a frame slightly larger than the output
(cover-crop, or contained on a blurred copy of itself when the aspect ratio is far off), so
ffmpeg never handles full-size camera images and the Ken Burns motion has room to move."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from songcraft.providers.errors import VideoRenderError
from songcraft.providers.video_captions import even

ZOOM = 0.12  # how far the Ken Burns motion zooms or pans, relative to the frame
CONTAIN_ASPECT_TOLERANCE = 1.3  # wider aspect mismatch than this: show whole photo on a blurred fill


def prepare_photos(paths: list[str], frame_size: tuple[int, int], work: Path) -> list[Path]:
    targets = [work / f"photo{index}.jpg" for index in range(len(paths))]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:  # Pillow releases the GIL while resizing
        return list(pool.map(_prepare_photo, paths, [frame_size] * len(paths), targets))


def _prepare_photo(path: str, frame_size: tuple[int, int], target: Path) -> Path:
    """Compose the photo at the frame's aspect ratio, ``1 + ZOOM`` times the frame size."""
    width, height = (even(side * (1 + ZOOM)) for side in frame_size)
    try:
        with Image.open(path) as opened:
            # JPEGs decode at a reduced scale that still covers the frame in either orientation.
            opened.draft("RGB", (max(width, height), max(width, height)))
            photo = _on_white(ImageOps.exif_transpose(opened))
    except (OSError, SyntaxError, ValueError) as error:
        raise VideoRenderError(f"Photo {Path(path).name} cannot be read: {error}") from error
    aspect_mismatch = (photo.width / photo.height) / (width / height)
    if 1 / CONTAIN_ASPECT_TOLERANCE <= aspect_mismatch <= CONTAIN_ASPECT_TOLERANCE:
        canvas = ImageOps.fit(photo, (width, height), Image.Resampling.LANCZOS)
    else:
        canvas = _blurred_fill(photo, (width, height))
        contained = ImageOps.contain(photo, (width, height), Image.Resampling.LANCZOS)
        canvas.paste(contained, ((width - contained.width) // 2, (height - contained.height) // 2))
    # A JPEG with 4:2:0 chroma, as the video has: ffmpeg decodes it to half the memory of an RGB
    # PNG, faster, and at this quality no difference shows after x264.
    canvas.save(target, "JPEG", quality=95, subsampling="4:2:0")
    return target


def _on_white(photo: Image.Image) -> Image.Image:
    """RGB pixels, with any transparency flattened onto white."""
    if photo.mode not in ("RGBA", "LA", "PA") and "transparency" not in photo.info:
        return photo.convert("RGB")
    white = Image.new("RGBA", photo.size, "white")
    return Image.alpha_composite(white, photo.convert("RGBA")).convert("RGB")


def _blurred_fill(photo: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A dimmed, blurred cover-crop of the photo, to fill the bars around it."""
    small = ImageOps.fit(photo, (size[0] // 8, size[1] // 8), Image.Resampling.BILINEAR)
    blurred = small.filter(ImageFilter.GaussianBlur(6)).resize(size, Image.Resampling.BILINEAR)
    return Image.blend(blurred, Image.new("RGB", size, "black"), 0.35)

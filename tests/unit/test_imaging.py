import io

import pytest
from PIL import Image, ImageCms

from songcraft.files.imaging import ImageTooLarge, ProcessedImage, UnsupportedImage, process_upload

EXIF_ORIENTATION = 0x0112
EXIF_MAKE = 0x010F
EXIF_GPS_IFD = 0x8825


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def photo(size=(800, 600), mode="RGB", colour=(200, 80, 40)) -> Image.Image:
    image = Image.new(mode, size, colour)
    # Left half darker, so orientation and content can be checked after processing.
    image.paste((0, 0, 0) if mode == "RGB" else (0, 0, 0, 255), (0, 0, size[0] // 2, size[1]))
    return image


def open_output(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepts_opaque_photos_and_returns_a_jpeg(fmt):
    result = process_upload(encode(photo(), fmt))

    assert isinstance(result, ProcessedImage)
    assert (result.content_type, result.extension) == ("image/jpeg", "jpg")
    output = open_output(result.content)
    assert output.format == "JPEG"
    assert output.size == (result.width, result.height) == (800, 600)
    assert output.getpixel((10, 10))[0] < 30
    assert output.getpixel((790, 10))[0] > 170


@pytest.mark.parametrize("fmt", ["PNG", "WEBP"])
def test_keeps_transparency_as_png(fmt):
    image = Image.new("RGBA", (400, 300), (10, 200, 10, 0))
    result = process_upload(encode(image, fmt))

    assert (result.content_type, result.extension) == ("image/png", "png")
    output = open_output(result.content)
    assert output.mode == "RGBA"
    assert output.getpixel((5, 5))[3] == 0
    assert result.thumbnail_content_type == "image/png"


def test_applies_exif_orientation_and_strips_exif_and_gps():
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # stored sideways: rotate 90 degrees clockwise to display
    exif[EXIF_MAKE] = "SpyCam"
    exif.get_ifd(EXIF_GPS_IFD)[2] = (52.0, 31.0, 12.0)  # GPSLatitude
    source = encode(photo((800, 600)), "JPEG", exif=exif, comment=b"secret note")
    assert Image.open(io.BytesIO(source)).getexif()[EXIF_MAKE] == "SpyCam"

    result = process_upload(source)

    assert (result.width, result.height) == (600, 800)
    output = open_output(result.content)
    assert output.size == (600, 800)
    # The dark left half of the stored image is the top after a clockwise turn.
    assert output.getpixel((300, 10))[0] < 30
    assert output.getpixel((300, 790))[0] > 170
    assert dict(output.getexif()) == {}
    assert "exif" not in output.info and "comment" not in output.info
    assert b"SpyCam" not in result.content and b"secret note" not in result.content
    assert b"SpyCam" not in result.thumbnail


def test_downsizes_to_fit_the_maximum_keeping_aspect_ratio():
    result = process_upload(encode(photo((4000, 3000)), "JPEG"))

    assert (result.width, result.height) == (1440, 1080)
    assert open_output(result.content).size == (1440, 1080)


def test_never_upscales_small_images():
    result = process_upload(encode(photo((120, 90)), "PNG"))

    assert (result.width, result.height) == (120, 90)


def test_thumbnail_fits_the_thumbnail_box():
    result = process_upload(encode(photo((3000, 1500)), "JPEG"), thumb_size=(320, 320))

    thumbnail = open_output(result.thumbnail)
    assert thumbnail.size == (320, 160)
    assert thumbnail.format == "JPEG"
    assert result.thumbnail_content_type == "image/jpeg"


def test_text_renamed_to_jpg_is_unsupported():
    with pytest.raises(UnsupportedImage, match="JPEG, PNG and WebP"):
        process_upload(b"Dear diary, this is not a photo.\n" * 20)


def test_gif_is_unsupported():
    with pytest.raises(UnsupportedImage):
        process_upload(encode(photo(), "GIF"))


def test_truncated_jpeg_is_unsupported():
    complete = encode(photo((1200, 900)), "JPEG")

    with pytest.raises(UnsupportedImage, match="damaged or incomplete"):
        process_upload(complete[: len(complete) // 2])


def test_over_max_bytes_is_too_large():
    data = encode(photo(), "PNG")

    with pytest.raises(ImageTooLarge, match="larger than"):
        process_upload(data, max_bytes=len(data) - 1)


def test_decompression_bomb_is_too_large():
    bomb = encode(Image.new("1", (20000, 20000), 0), "PNG", optimize=True)
    assert len(bomb) < 1_000_000

    with pytest.raises(ImageTooLarge, match="pixels"):
        process_upload(bomb)


def test_pixel_limit_is_configurable():
    with pytest.raises(ImageTooLarge):
        process_upload(encode(photo((800, 600)), "JPEG"), max_pixels=800 * 600 - 1)


def test_keeps_the_icc_colour_profile():
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process_upload(encode(photo(), "JPEG", icc_profile=profile))

    assert open_output(result.content).info.get("icc_profile") == profile


def test_pillow_bomb_warning_range_is_refused_even_with_a_higher_limit():
    over_pillow_limit = encode(Image.new("1", (10000, 10000), 0), "PNG")

    with pytest.raises(ImageTooLarge, match=f"{Image.MAX_IMAGE_PIXELS:,}"), pytest.warns(Image.DecompressionBombWarning):
        process_upload(over_pillow_limit, max_pixels=200_000_000)

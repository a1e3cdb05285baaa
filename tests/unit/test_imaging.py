import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms

from songcraft.files.imaging import ImageTooLarge, ProcessedImage, UnsupportedImage, process_upload, read_header

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
def test_flattens_transparency_onto_white_as_the_video_shows_it(fmt):
    image = Image.new("RGBA", (400, 300), (10, 200, 10, 0))
    image.paste((10, 200, 10, 255), (200, 0, 400, 300))  # right half opaque green
    result = process_upload(encode(image, fmt, lossless=True) if fmt == "WEBP" else encode(image, fmt))

    assert (result.content_type, result.extension, result.thumbnail_content_type) == ("image/jpeg", "jpg", "image/jpeg")
    output = open_output(result.content)
    assert output.mode == "RGB"
    assert min(output.getpixel((20, 150))) > 245  # transparent: white
    red, green, blue = output.getpixel((380, 150))
    assert green > 180 and red < 40 and blue < 40


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

    with pytest.raises(ImageTooLarge, match="at most 89.5 megapixels"), pytest.warns(Image.DecompressionBombWarning):
        process_upload(over_pillow_limit, max_pixels=200_000_000)


# --- Bounded work: everything below is refused or planned from the header, before decoding ---


def png_header_only(width: int, height: int, bit_depth: int = 8, colour_type: int = 6) -> bytes:
    """A PNG that declares its size and has no pixel data: decoding it would fail as damaged."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"") + chunk(b"IEND", b"")


def test_the_40_megapixel_png_of_the_audit_is_refused_before_decoding():
    bomb = encode(Image.new("RGBA", (8000, 5000), (200, 80, 40, 255)), "PNG")
    assert len(bomb) < 200_000

    with pytest.raises(ImageTooLarge, match="8000x5000 pixels; at most 25 megapixels"):
        read_header(bomb)
    # A header with no pixel data behind it is refused as too large, not as damaged: nothing was decoded.
    with pytest.raises(ImageTooLarge, match="at most 25 megapixels"):
        process_upload(png_header_only(8000, 5000))
    assert read_header(png_header_only(6000, 4000)).decoded_pixels == 24_000_000


def test_jpeg_is_decoded_at_a_reduced_scale_that_still_covers_the_output():
    header = read_header(encode(photo((4000, 3000)), "JPEG"))

    assert (header.format, header.width, header.height) == ("JPEG", 4000, 3000)
    assert header.decoded_pixels == 2000 * 1500  # 1/2 scale: 1/4 would be 1000x750, under 1440x1080
    assert process_upload(encode(photo((4000, 3000)), "JPEG")).width == 1440


def test_a_sideways_photo_is_planned_and_shown_upright():
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    source = encode(photo((4000, 3000)), "JPEG", exif=exif)

    assert read_header(source).decoded_pixels == 2000 * 1500  # 810x1080 upright is 1080x810 stored
    result = process_upload(source)
    assert (result.width, result.height) == (810, 1080)
    output = open_output(result.content)
    assert output.getpixel((400, 10))[0] < 30 and output.getpixel((400, 1070))[0] > 170


def test_progressive_jpeg_counts_its_full_size_and_its_coefficient_buffer():
    baseline = read_header(encode(photo((4000, 3000)), "JPEG"))
    progressive = read_header(encode(photo((4000, 3000)), "JPEG", progressive=True))

    assert progressive.decoded_pixels == baseline.decoded_pixels == 2000 * 1500  # both decode at half size
    assert progressive.decode_bytes == baseline.decode_bytes + 12_000_000 * 3  # 2 bytes a sample, 4:2:0 = 1.5 samples
    cmyk = encode(Image.new("CMYK", (5000, 4000), (0, 50, 100, 0)), "JPEG", progressive=True, subsampling=0)
    with pytest.raises(ImageTooLarge, match="5000x4000 pixels; at most 14.9 megapixels .* progressive"):
        read_header(cmyk)


def test_a_jpeg_whose_first_scan_lacks_components_counts_as_buffered():
    data = bytearray(encode(photo((1600, 1200)), "JPEG"))
    start_of_scan = data.index(b"\xff\xda")
    assert data[start_of_scan + 4] == 3
    data[start_of_scan + 4] = 1  # the first scan now carries one component: more scans must follow

    assert read_header(bytes(data)).decode_bytes == 1600 * 1200 * 4 + 1600 * 1200 * 3  # the pixels and the coefficients


def test_webp_decoding_memory_limits_its_pixels():
    with pytest.raises(ImageTooLarge, match="4000x3000 pixels; at most 8.39 megapixels are accepted for a WebP"):
        read_header(encode(Image.new("RGB", (4000, 3000)), "WEBP"))
    assert read_header(encode(Image.new("RGB", (3000, 2000)), "WEBP")).decode_bytes == 3000 * 2000 * 16


def test_png_made_of_tiny_chunks_is_refused_before_pillow_parses_them():
    png = encode(photo((64, 64)), "PNG")
    end = png.index(b"IEND") - 4
    junk = (struct.pack(">I", 0) + b"abCd" + struct.pack(">I", zlib.crc32(b"abCd"))) * 10_001

    with pytest.raises(UnsupportedImage, match="more than 10,000 chunks"):
        process_upload(png[:end] + junk + png[end:])


def test_jpeg_padded_with_fill_bytes_is_refused_before_pillow_parses_them():
    jpeg = encode(photo((64, 64)), "JPEG")

    with pytest.raises(UnsupportedImage, match="more than 1,000 segments or padding bytes"):
        process_upload(jpeg[:2] + b"\xff" * 2000 + jpeg[2:])
    assert process_upload(jpeg[:2] + b"\xff" * 10 + jpeg[2:]).width == 64  # a little padding is legal


def test_reads_from_a_file_object_without_loading_it_whole(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(photo((1200, 900)), "JPEG"))

    with open(path, "rb") as stream:
        assert read_header(stream).decoded_pixels == 1200 * 900
        assert process_upload(stream).width == 1200

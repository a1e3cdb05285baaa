"""Quick walks over the structure of JPEG and PNG files, before Pillow parses them.

Pillow reads a JPEG header and the chunks of a PNG in Python, one loop turn per segment,
chunk or fill byte: a 10 MB file made of tiny chunks or of fill bytes costs it two to four
seconds of CPU before any pixel is decoded. These walks jump from length to length, give up
after a bounded number of steps, and refuse such files. The JPEG walk also reports how many
colour components the first scan carries, which tells whether libjpeg will have to buffer
the whole image (see ``imaging``).
"""
from __future__ import annotations

import io
from typing import BinaryIO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
# A 10 MB PNG in libpng's 8 KB IDAT chunks has about 1,300 chunks; a camera JPEG has about 20
# segments before its first scan.
MAX_PNG_CHUNKS = 10_000
MAX_JPEG_HEADER_STEPS = 1_000

_JPEG_START_OF_SCAN = 0xDA
_JPEG_MARKERS_WITHOUT_LENGTH = {0x01, *range(0xD0, 0xD9)}  # TEM, RST0-7, SOI


class UnusualStructure(ValueError):
    """The file is built in a way no camera or editor builds one; the message says how."""


def check_png(stream: BinaryIO) -> None:
    """Refuse a PNG with more than ``MAX_PNG_CHUNKS`` chunks. A truncated file is left to Pillow."""
    stream.seek(len(PNG_SIGNATURE))
    for _ in range(MAX_PNG_CHUNKS):
        head = stream.read(8)
        if len(head) < 8 or head[4:] == b"IEND":
            return
        stream.seek(int.from_bytes(head[:4], "big") + 4, io.SEEK_CUR)  # the data, then the CRC
    raise UnusualStructure(f"The PNG file has more than {MAX_PNG_CHUNKS:,} chunks.")


def jpeg_first_scan_components(stream: BinaryIO) -> int | None:
    """How many components the first scan of a JPEG carries (None if the file ends before it).

    Refuses a header of more than ``MAX_JPEG_HEADER_STEPS`` segments and stray bytes.
    """
    stream.seek(2)  # after the start-of-image marker
    for _ in range(MAX_JPEG_HEADER_STEPS):
        byte = stream.read(1)
        if not byte:
            return None
        if byte != b"\xff":
            continue  # a stray byte: Pillow skips some and refuses others
        marker = stream.read(1)
        if not marker:
            return None
        if marker[0] == _JPEG_START_OF_SCAN:
            scan_header = stream.read(3)
            return scan_header[2] if len(scan_header) == 3 else None
        if marker[0] == 0xFF:
            stream.seek(-1, io.SEEK_CUR)  # a fill byte: the marker follows
        elif marker[0] not in _JPEG_MARKERS_WITHOUT_LENGTH and marker[0] != 0x00:
            length = int.from_bytes(stream.read(2), "big")
            stream.seek(max(length - 2, 0), io.SEEK_CUR)
    raise UnusualStructure(f"The JPEG header has more than {MAX_JPEG_HEADER_STEPS:,} segments or padding bytes.")

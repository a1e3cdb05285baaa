"""Tell audio from anything else by its first bytes, never by what a server's headers claim.

A file host that answers 200 with an HTML error page, a JSON body or a truncated file must not
become a customer's song. Recognised: MP3 (an ID3v2 tag, or an MPEG audio frame header whose
fields are all valid), WAV, FLAC, Ogg and MP4/M4A.
"""
from __future__ import annotations

# MPEG audio frame header: 11 sync bits, then version (2 bits, 01 reserved), layer (2 bits, 00
# reserved), protection, bitrate index (4 bits, 1111 invalid), sample-rate index (2 bits, 11 reserved).
_MPEG_VERSION_RESERVED = 0b01
_MPEG_LAYER_RESERVED = 0b00


def _is_mpeg_frame(head: bytes) -> bool:
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    bitrate, sample_rate = head[2] >> 4, (head[2] >> 2) & 0b11
    return version != _MPEG_VERSION_RESERVED and layer != _MPEG_LAYER_RESERVED and bitrate != 0b1111 and sample_rate != 0b11


def audio_content_type(data: bytes) -> str | None:
    """The MIME type of ``data`` when its bytes are audio, else None."""
    if data[:3] == b"ID3" or _is_mpeg_frame(data[:4]):
        return "audio/mpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[:4] == b"fLaC":
        return "audio/flac"
    if data[:4] == b"OggS":
        return "audio/ogg"
    if data[4:8] == b"ftyp":
        return "audio/mp4"
    return None

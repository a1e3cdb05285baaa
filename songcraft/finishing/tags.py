"""Tags inside the delivered files, written with mutagen, so players show the song properly.

MP3: ID3v2.4 TIT2 (title), TPE1 (artist), TCON (genre), USLT (lyrics), SYLT (lyrics in time,
milliseconds) and APIC (the cover). MP4: title, artist and cover. Writing the same tags twice
gives the same file, so a re-run step is harmless.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import APIC, ID3, SYLT, TCON, TIT2, TPE1, USLT, Encoding, ID3NoHeaderError, PictureType
from mutagen.mp4 import MP4, MP4Cover

from songcraft.finishing.timings import TimedLine

# ID3 wants ISO 639-2 language codes.
ID3_LANGUAGES = {"en": "eng", "es": "spa", "fr": "fra", "de": "deu", "it": "ita", "pt": "por", "uk": "ukr"}
_REPLACED_FRAMES = ("TIT2", "TPE1", "TCON", "USLT", "SYLT", "APIC")


@dataclass(frozen=True)
class SongTags:
    title: str
    artist: str
    genre: str
    language: str  # the song's language, e.g. "en"
    lyrics: str | None  # plain sung lines; None for instrumentals
    lines: tuple[TimedLine, ...] = ()
    cover_jpeg: bytes | None = None


def tag_mp3(path: str | Path, tags: SongTags) -> None:
    try:
        id3 = ID3(path)
    except ID3NoHeaderError:
        id3 = ID3()
    for frame in _REPLACED_FRAMES:
        id3.delall(frame)
    language = ID3_LANGUAGES.get(tags.language, "und")
    id3.add(TIT2(encoding=Encoding.UTF8, text=tags.title))
    id3.add(TPE1(encoding=Encoding.UTF8, text=tags.artist))
    id3.add(TCON(encoding=Encoding.UTF8, text=tags.genre.title()))
    if tags.lyrics:
        id3.add(USLT(encoding=Encoding.UTF8, lang=language, desc="", text=tags.lyrics))
    if tags.lines:
        synced = [(line.text, round(line.start * 1000)) for line in tags.lines]
        id3.add(SYLT(encoding=Encoding.UTF8, lang=language, format=2, type=1, desc="", text=synced))  # format 2: ms
    if tags.cover_jpeg:
        id3.add(APIC(encoding=Encoding.UTF8, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="Cover", data=tags.cover_jpeg))
    id3.save(path, v2_version=4)


def tag_mp4(path: str | Path, tags: SongTags) -> None:
    video = MP4(path)
    if video.tags is None:
        video.add_tags()
    video.tags["\xa9nam"] = [tags.title]
    video.tags["\xa9ART"] = [tags.artist]
    if tags.cover_jpeg:
        video.tags["covr"] = [MP4Cover(tags.cover_jpeg, imageformat=MP4Cover.FORMAT_JPEG)]
    video.save()

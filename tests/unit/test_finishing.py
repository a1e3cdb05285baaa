"""The finishing touches as pure functions: line timings, LRC, cover art, file tags, palettes."""
from __future__ import annotations

import io
import re
import subprocess

import lameenc
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from PIL import Image

from songcraft.finishing.cover import COVER_SIZE, CoverBrief, printable, render_cover
from songcraft.finishing.lrc import stamp, to_lrc
from songcraft.finishing.palettes import MOOD_PALETTES, motif_for, palette_for, rgb
from songcraft.finishing.tags import SongTags, tag_mp3, tag_mp4
from songcraft.finishing.timings import BREATH_SYLLABLES, TimedLine, VocalSection, estimate, schedule, syllables

VERSE = ("Maya you light the room", "Every Sunday morning in Lisbon", "We dance")
CHORUS = ("Happy birthday to you", "Happy birthday, Maya")


# --- Timings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, count", [("Maya", 2), ("you light the room", 4), ("Happy birthday, Maya", 6),
                                         ("¡Feliz cumpleaños!", 5), ("З днем народження", 5), ("", 1)])
def test_syllables_count_vowel_groups_in_any_script(text, count):
    assert syllables(text) == count


def test_estimate_within_known_sections_rises_and_is_proportional_to_syllables():
    sections = [VocalSection("Verse", VERSE, 10.0, 30.0), VocalSection("Chorus", CHORUS, 34.0, 44.0)]

    lines = estimate(sections, duration=60.0)

    assert [line.text for line in lines] == list(VERSE + CHORUS)
    assert all(a.start < a.end <= b.start for a, b in zip(lines, lines[1:]))
    assert lines[0].start == 10.0 and lines[3].start == 34.0 and lines[-1].end <= 44.0
    assert {line.section for line in lines[:3]} == {"Verse"} and lines[3].section == "Chorus"
    verse_weights = [syllables(text) + BREATH_SYLLABLES for text in VERSE]
    shares = [b.start - a.start for a, b in zip(lines[:3], lines[1:4])][:2]
    assert shares[0] / shares[1] == pytest.approx(verse_weights[0] / verse_weights[1], rel=0.01)


def test_estimate_without_section_timings_spreads_the_lyrics_between_intro_and_outro():
    lines = estimate([VocalSection("Verse", VERSE), VocalSection("Chorus", CHORUS)], duration=100.0)

    assert len(lines) == 5 and all(a.end <= b.start for a, b in zip(lines, lines[1:]))
    assert lines[0].start == pytest.approx(8.0) and lines[-1].end < 94.0
    gap = lines[3].start - lines[2].end
    assert gap > (lines[1].start - lines[0].end) * 2  # sections are set apart


def test_schedule_prefers_the_providers_own_timings():
    measured = [{"start": 1.0, "end": 2.5, "text": "One", "section": "Verse"}, {"start": 3.0, "end": 4.0, "text": "Two"}]

    kept = schedule(measured, False, [VocalSection("Verse", VERSE, 0.0, 9.0)], 60.0)
    guessed = schedule([], False, [VocalSection("Verse", VERSE, 0.0, 9.0)], 60.0)

    assert kept.lines == (TimedLine(1.0, 2.5, "One", "Verse"), TimedLine(3.0, 4.0, "Two", "")) and not kept.estimated
    assert guessed.estimated and [line.text for line in guessed.lines] == list(VERSE)
    assert schedule([], False, [], 60.0).lines == ()


# --- LRC -------------------------------------------------------------------------------------


@pytest.mark.parametrize("seconds, text", [(0, "00:00.00"), (12.346, "00:12.35"), (59.999, "01:00.00"), (754.5, "12:34.50"),
                                           (-1, "00:00.00")])
def test_stamp(seconds, text):
    assert stamp(seconds) == text


def test_lrc_has_tags_then_one_timed_line_per_sung_line():
    lines = (TimedLine(12.4, 15.0, "You light the room"), TimedLine(15.5, 18.0, "  on a   Tuesday  "))

    text = to_lrc(lines, title="Maya [live]", artist="SongCraft", duration=151.2, estimated=True)

    assert text.splitlines() == ["[ti:Maya (live)]", "[ar:SongCraft]", "[length:02:31]", "[re:SongCraft, timings estimated]",
                                 "[00:12.40]You light the room", "[00:15.50]on a Tuesday"]
    assert "[re:SongCraft]" in to_lrc(lines, title="t", artist="a", duration=1, estimated=False)


# --- Cover -----------------------------------------------------------------------------------


def _photo(colour=(200, 40, 40), size=(1200, 900), fmt="JPEG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, fmt)
    return buffer.getvalue()


def test_designed_cover_is_a_large_jpeg_in_the_moods_colours():
    data = render_cover(CoverBrief("Happy Birthday, Maya", "Maya", "pop", "romantic"))

    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (COVER_SIZE, COVER_SIZE) and COVER_SIZE >= 1400
    top_left = image.convert("RGB").resize((8, 8)).getpixel((0, 0))
    glow = rgb(palette_for("romantic").glow)
    assert sum(abs(a - b) for a, b in zip(top_left, glow)) < 90
    assert render_cover(CoverBrief("Happy Birthday, Maya", "Maya", "pop", "romantic")) == data  # deterministic


def test_photo_cover_is_built_from_the_photo():
    data = render_cover(CoverBrief("Lisbon", "Maya", "jazz", "joyful"), _photo((20, 160, 60)))

    image = Image.open(io.BytesIO(data)).convert("RGB")
    assert image.size == (COVER_SIZE, COVER_SIZE)
    red, green, blue = image.resize((8, 8)).getpixel((7, 1))  # top right: the photo, untouched by text
    assert green > 120 and red < 60 and blue < 100


def test_unreadable_photo_gives_the_designed_cover():
    assert render_cover(CoverBrief("Lisbon", "Maya", "jazz", "joyful"), b"not an image") == \
        render_cover(CoverBrief("Lisbon", "Maya", "jazz", "joyful"))


def test_cover_text_keeps_what_the_typeface_can_print():
    assert printable("Zoë & Łukasz 🎉 — Тато") == "Zoë & Łukasz — Тато"
    assert printable("你好 🎉") == ""
    long_title = "Supercalifragilisticexpialidocious " * 4
    assert Image.open(io.BytesIO(render_cover(CoverBrief(long_title, "🎉", "rock", "epic")))).size == (COVER_SIZE, COVER_SIZE)


@pytest.mark.parametrize("mood", sorted(MOOD_PALETTES))
def test_palette_text_pairs_pass_wcag_aa(mood):
    def luminance(colour):
        channels = [c / 255 for c in rgb(colour)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(a, b):
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    palette = MOOD_PALETTES[mood]
    assert contrast("#ffffff", palette.deep) >= 4.5  # cover titles, buttons on the light page
    assert contrast(palette.deep, palette.light) >= 4.5  # the sung line, in both schemes
    assert contrast(palette.light, "#131116") >= 4.5  # links on the dark page


def test_every_genre_has_a_motif():
    from config import GENRES
    from songcraft.finishing.cover import MOTIFS

    assert {motif_for(genre) for genre in GENRES} <= set(MOTIFS)


# --- Tags ------------------------------------------------------------------------------------


@pytest.fixture
def mp3_file(tmp_path):
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(22050)
    encoder.set_channels(1)
    path = tmp_path / "take.mp3"
    path.write_bytes(encoder.encode(bytes(22050 * 2 * 3)) + encoder.flush())
    return path


def test_mp3_carries_the_five_id3v24_tags(mp3_file):
    cover = render_cover(CoverBrief("Maya", "Maya", "pop", "joyful"), size=200)
    lines = (TimedLine(1.25, 2.0, "You light the room"), TimedLine(2.5, 2.9, "Щастя тобі"))
    tags = SongTags(title="Maya’s Song", artist="SongCraft", genre="pop", language="uk", lyrics="You light the room\nЩастя тобі",
                    lines=lines, cover_jpeg=cover)

    tag_mp3(mp3_file, tags)
    tag_mp3(mp3_file, tags)  # again: replaced, not doubled

    id3 = ID3(mp3_file)
    assert id3.version == (2, 4, 0)
    assert str(id3["TIT2"]) == "Maya’s Song" and str(id3["TPE1"]) == "SongCraft"
    assert id3.getall("USLT")[0].text == "You light the room\nЩастя тобі" and id3.getall("USLT")[0].lang == "ukr"
    sylt = id3.getall("SYLT")
    assert len(sylt) == 1 and sylt[0].format == 2 and sylt[0].text == [("You light the room", 1250), ("Щастя тобі", 2500)]
    apic = id3.getall("APIC")
    assert len(apic) == 1 and apic[0].mime == "image/jpeg" and apic[0].data == cover and apic[0].type == 3
    assert MP3(mp3_file).info.length == pytest.approx(3.0, abs=0.2)  # still a playable MP3


def test_instrumental_mp3_has_no_lyrics_frames(mp3_file):
    tag_mp3(mp3_file, SongTags(title="Theme", artist="SongCraft", genre="jazz", language="en", lyrics=None))

    id3 = ID3(mp3_file)
    assert str(id3["TIT2"]) == "Theme" and not id3.getall("USLT") and not id3.getall("SYLT") and not id3.getall("APIC")


def test_mp4_carries_title_and_cover(tmp_path):
    import imageio_ffmpeg

    path = tmp_path / "video.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=64x64:d=1", "-pix_fmt",
                    "yuv420p", str(path)], check=True, timeout=60)
    cover = render_cover(CoverBrief("Maya", "Maya", "pop", "joyful"), size=200)

    tag_mp4(path, SongTags(title="Maya’s Song", artist="SongCraft", genre="pop", language="en", lyrics=None, cover_jpeg=cover))

    video = MP4(path)
    assert video.tags["\xa9nam"] == ["Maya’s Song"] and video.tags["\xa9ART"] == ["SongCraft"]
    assert bytes(video.tags["covr"][0]) == cover
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(path)], capture_output=True, text=True).stderr
    assert re.search(r"Video: h264", probe)  # still a playable video

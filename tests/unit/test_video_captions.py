"""Video captions: one sung line at a time, wrapped to two rows at most, never cut."""
import pytest

from songcraft.providers.video import frame_size_of
from songcraft.providers.video_captions import (
    TEXT_WIDTH_SHARE,
    Caption,
    caption_font,
    lay_out,
    tidy_captions,
    usual_font_size,
    write_caption_track,
)

LANDSCAPE, PORTRAIT = frame_size_of("16:9", 720), frame_size_of("9:16", 720)
LONG_LINE = "We wandered through Cornwall, far and wide, there was a lighthouse and a harbour and the sea"


def assert_fits(layout, text, frame_size):
    assert " ".join(layout.rows) == " ".join(text.split())  # every word, in order: nothing cut
    assert "…" not in layout.text and "..." not in layout.text
    font = caption_font(layout.font_size)
    assert all(font.getlength(row) <= frame_size[0] * TEXT_WIDTH_SHARE for row in layout.rows)


@pytest.mark.parametrize("frame_size", [LANDSCAPE, PORTRAIT, frame_size_of("16:9", 1080), frame_size_of("9:16", 1080)])
def test_a_short_line_stays_on_one_row_at_the_usual_size(frame_size):
    layout = lay_out("Happy birthday, Anna", frame_size)
    assert layout.rows == ("Happy birthday, Anna",) and layout.font_size == usual_font_size(frame_size)


@pytest.mark.parametrize("frame_size", [LANDSCAPE, PORTRAIT])
def test_a_long_line_wraps_to_two_even_rows_without_an_ellipsis(frame_size):
    text = "We wandered through Cornwall, far and wide, by the sea"
    layout = lay_out(text, frame_size)
    assert len(layout.rows) == 2
    assert_fits(layout, text, frame_size)
    font = caption_font(layout.font_size)
    widths = [font.getlength(row) for row in layout.rows]
    assert min(widths) > 0.5 * max(widths)  # split where the rows come out most even, not "all but one word" + "wide"


def test_a_line_too_long_for_two_rows_is_drawn_smaller_not_cut():
    layout = lay_out(LONG_LINE, PORTRAIT)
    assert len(layout.rows) <= 2 and layout.font_size < usual_font_size(PORTRAIT)
    assert_fits(layout, LONG_LINE, PORTRAIT)


def test_a_word_wider_than_the_frame_shrinks_the_font_until_it_fits():
    text = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch forever"
    layout = lay_out(text, PORTRAIT)
    assert len(layout.rows) <= 2 and layout.font_size < usual_font_size(PORTRAIT)
    assert_fits(layout, text, PORTRAIT)


def test_only_an_absurdly_long_line_takes_more_rows_and_still_loses_no_letter():
    text = "la " * 400
    layout = lay_out(text, PORTRAIT)
    assert len(layout.rows) > 2
    assert_fits(layout, text, PORTRAIT)


def test_captions_are_tidied_into_the_song_without_overlaps():
    captions = [Caption(5.0, 9.0, "second  line\n"), Caption(1.0, 6.0, "first line"), Caption(8.0, 9.0, "   "), Caption(58.0, 70.0, "last")]
    assert tidy_captions(captions, 60.0) == [Caption(1.0, 5.0, "first line"), Caption(5.0, 9.0, "second line"), Caption(58.0, 60.0, "last")]


def test_the_caption_track_shows_each_line_for_its_sung_span_and_blanks_between(tmp_path):
    captions = [Caption(1.5, 4.0, "Happy birthday dear Anna"), Caption(6.0, 8.25, LONG_LINE)]
    track = write_caption_track(captions, LANDSCAPE, tmp_path)
    entries = track.listing.read_text().split("file ")[1:]
    schedule = [(entry.split("'")[1], float(entry.split("duration ")[1]) if "duration" in entry else None) for entry in entries]
    assert schedule == [("caption-blank.png", 1.5), ("caption0.png", 2.5), ("caption-blank.png", 2.0), ("caption1.png", 2.25),
                        ("caption-blank.png", 1.0), ("caption-blank.png", None)]

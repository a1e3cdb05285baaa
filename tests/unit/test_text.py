"""Free text that reaches email headers, file names and tags: one line, no control characters."""
import pytest
from marshmallow import Schema, ValidationError

from songcraft.common.text import MultiLine, SingleLine, single_line


class Brief(Schema):
    title = SingleLine()
    story = MultiLine()


@pytest.mark.parametrize("title", [
    "Happy\nBirthday", "Happy\r\nBcc: everyone@example.com", "tab\there", "nul\x00", "escape\x1b[31m", "del\x7f",
    "c1\x85next line", "line\u2028separator", "para\u2029graph", "song-\u202e3pm.exe", "isolate\u2066x\u2069",
])
def test_single_line_refuses_control_separator_and_bidi_override_characters(title):
    with pytest.raises(ValidationError) as refused:
        Brief().load({"title": title})
    assert refused.value.messages == {"title": ["Must be one line, without control characters."]}


@pytest.mark.parametrize("title", ["Für Zoë 🎂", "אמא שלי", "👨\u200d👩\u200d👧 family", "مرحبا\u200f", "It's 100% “fine”"])
def test_single_line_keeps_every_script_emoji_and_joiner(title):
    assert Brief().load({"title": title}) == {"title": title}


def test_multi_line_allows_line_breaks_and_tabs_and_normalises_them():
    story = Brief().load({"story": "We met in Paris.\r\n\tShe laughed.\rThe end."})["story"]
    assert story == "We met in Paris.\n\tShe laughed.\nThe end."
    for unsafe in ("bell\x07", "vertical\x0btab", "form\x0cfeed", "rlo\u202eoverride", "sep\u2028"):
        with pytest.raises(ValidationError, match="control characters other than line breaks and tabs"):
            Brief().load({"story": unsafe})


def test_single_line_cleans_text_at_a_sink():
    assert single_line("  Happy\r\n\r\nBirthday\x00\u202e Maya \t") == "Happy Birthday Maya"
    assert single_line("Zoë 🎂") == "Zoë 🎂"

"""Free text: without control characters for everything that reaches an email header, a file
name or a media tag, and cut to fit someone else's limits.

A title with a line break is refused by the mail library as a header injection, so the email
it was meant for is never sent; a right-to-left override (U+202E) in a name makes a file
ending in ``3pm.exe`` read as one ending in ``exe.mp3``. So:

* ``SingleLine`` (names, titles, occasions) refuses control characters, line and paragraph
  separators and the bidirectional embedding, override and isolate characters;
* ``MultiLine`` (stories, lyrics) allows line breaks and tabs and stores ``\\r\\n`` as ``\\n``;
* ``single_line()`` cleans text at a sink, for text that did not come through a schema
  (a title written by the lyrics provider, a file name in an error message).

Both fields refuse with 422, naming the field. Joiners (ZWJ, ZWNJ) and the left-to-right and
right-to-left marks stay allowed: names in many scripts, and emoji, need them.
"""
from __future__ import annotations

import re

from marshmallow import fields

_UNSAFE_EVERYWHERE = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE_IN_A_LINE = re.compile(f"[{_UNSAFE_EVERYWHERE}\t\n\r]")
_UNSAFE_IN_TEXT = re.compile(f"[{_UNSAFE_EVERYWHERE}]")
_UNSAFE_RUN_IN_A_LINE = re.compile(f" *[{_UNSAFE_EVERYWHERE}\t\n\r]+ *")


def single_line(text: str) -> str:
    """``text`` with each run of unsafe characters (and the spaces around it) made one space, trimmed."""
    return _UNSAFE_RUN_IN_A_LINE.sub(" ", text).strip()


class SingleLine(fields.String):
    """A string on one line, without control, separator or bidirectional override characters."""

    default_error_messages = {"unsafe": "Must be one line, without control characters."}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _UNSAFE_IN_A_LINE.search(text):
            raise self.make_error("unsafe")
        return text


class MultiLine(fields.String):
    """A string that may hold line breaks and tabs but no other control characters."""

    default_error_messages = {"unsafe": "Must not contain control characters other than line breaks and tabs."}

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).replace("\r\n", "\n").replace("\r", "\n")
        if _UNSAFE_IN_TEXT.search(text):
            raise self.make_error("unsafe")
        return text


def truncate(text: str, limit: int, separator: str = " ") -> str:
    """``text`` cut to at most ``limit`` characters, at the last ``separator`` when there is one
    (a word boundary by default), without a dangling comma or space."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    boundary = cut.rfind(separator)
    return (cut[:boundary] if boundary > 0 else cut).rstrip(" ,\n")

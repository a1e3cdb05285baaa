import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from config import GENRES, LANGUAGES, MOODS
from songcraft.common import examples as ex
from songcraft.common.fast_dump import FastDumpSchema
from songcraft.common.schemas import choice
from songcraft.common.text import MultiLine, SingleLine
from songcraft.engines.synth import VOCAL_STYLES, default_vocal_style
from songcraft.orders.schemas import ProductSchema
from songcraft.songs import service
from songcraft.songs.models import STATUSES, STEPS, VIDEO_FORMATS, WAITING_FOR
from songcraft.songs.options import why_lyrics_cannot_be_written

_SPOKEN_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")  # letters, syllables joined by single hyphens


def pronunciation(value: str) -> None:
    """Syllables of letters joined by hyphens (words by single spaces), each in lower case or, when
    stressed, in capitals: "ow-REL-ya"."""
    words = value.split(" ")
    if not all(_SPOKEN_WORD.fullmatch(word) for word in words):
        raise ValidationError("Use letters only, with a hyphen between syllables, e.g. ow-REL-ya.")
    for syllable in (part for word in words for part in word.split("-")):
        if any(c.isupper() for c in syllable) and any(c.islower() for c in syllable):
            raise ValidationError(f"Write each syllable in lower case, and the stressed one in capitals "
                                  f"(e.g. ow-REL-ya), not “{syllable}”.")


class SongCreateSchema(Schema):
    order_id = fields.UUID(required=True, metadata={"example": ex.ORDER_ID})
    recipient_name = SingleLine(required=True, validate=validate.Length(min=1, max=80), metadata={"example": ex.RECIPIENT})
    occasion = SingleLine(required=True, validate=validate.Length(min=2, max=80), metadata={"example": ex.OCCASION})
    genre = fields.String(required=True, validate=validate.OneOf(GENRES), metadata={"example": "acoustic"})
    mood = fields.String(required=True, validate=validate.OneOf(MOODS), metadata={"example": "joyful"})
    story = MultiLine(required=True, validate=validate.Length(min=10, max=2000), metadata={"example": ex.STORY})
    title = SingleLine(validate=validate.Length(min=1, max=100), metadata={"example": ex.TITLE})
    language = fields.String(load_default="en", validate=validate.OneOf(tuple(LANGUAGES)), metadata={
        "description": "The language of the lyrics. Languages the configured lyrics writer cannot write (see "
                       "`GET /songs/options`: `custom_lyrics_only`) need `custom_lyrics`, else 422.",
        "example": "es",
    })
    custom_lyrics = MultiLine(validate=validate.Length(min=20, max=5000), metadata={"example": ex.LYRICS})
    instrumental = fields.Boolean(load_default=False, metadata={"example": False})
    video_format = fields.String(load_default="16:9", validate=validate.OneOf(VIDEO_FORMATS), metadata={"example": "16:9"})
    vocal_style = fields.String(validate=validate.OneOf(VOCAL_STYLES), metadata={
        "description": "Who sings. Default: the genre's voice (`GET /songs/options` lists each genre's). "
                       "Not for instrumental songs.",
        "example": "duet",
    })
    name_pronunciation = SingleLine(validate=[validate.Length(min=1, max=60), pronunciation], metadata={
        "description": "How the recipient's name is said, for the lyrics writer and the singer: letters, a hyphen "
                       "between syllables, the stressed syllable in capitals.",
        "example": "ow-REL-ya",
    })
    approve_lyrics = fields.Boolean(load_default=False, metadata={
        "description": "Review the lyrics before the music is made: the song stops at `lyrics_ready` with "
                       "`awaiting_approval` until `POST /songs/{id}/approve`, or until it is approved automatically "
                       "after LYRICS_APPROVAL_HOURS (72 by default). Not with `custom_lyrics` or `instrumental`.",
        "example": True,
    })

    @validates_schema
    def _lyrics_or_instrumental(self, data, **kwargs):
        if data.get("instrumental") and data.get("custom_lyrics"):
            raise ValidationError("An instrumental song cannot have lyrics.", field_name="custom_lyrics")

    @validates_schema
    def _voice_and_approval_need_written_lyrics(self, data, **kwargs):
        if data.get("instrumental") and data.get("vocal_style"):
            raise ValidationError("An instrumental song has no singer.", field_name="vocal_style")
        if data.get("approve_lyrics") and (data.get("instrumental") or data.get("custom_lyrics")):
            raise ValidationError("Only lyrics we write wait for your approval: custom lyrics and instrumental songs "
                                  "go straight to the music.", field_name="approve_lyrics")

    @validates_schema
    def _language_can_be_written(self, data, **kwargs):
        reason = None if data.get("instrumental") or data.get("custom_lyrics") else why_lyrics_cannot_be_written(data["language"])
        if reason:
            raise ValidationError(reason, field_name="language")

    @post_load
    def _voice_of_the_genre(self, data, **kwargs):
        if not data["instrumental"]:
            data.setdefault("vocal_style", default_vocal_style(data["genre"]))
        return data


# The body "Try it out" starts from: the usual song, the lyrics written for it and reviewed before the music
# (each field's own example shows a choice; together they would ask for approval of custom lyrics).
CREATE_EXAMPLE = {"order_id": ex.ORDER_ID, "recipient_name": ex.RECIPIENT, "occasion": ex.OCCASION, "genre": "acoustic", "mood": "joyful",
                  "story": ex.STORY, "title": ex.TITLE, "language": "en", "vocal_style": "female", "name_pronunciation": "ow-REL-ya",
                  "approve_lyrics": True}


class TakeSchema(Schema):
    id = fields.UUID(metadata={"example": ex.TAKE_ID})
    position = fields.Integer(metadata={"example": 1})
    duration_seconds = fields.Float(metadata={"example": 142.6})
    selected = fields.Boolean(metadata={"example": True})


class SongSchema(FastDumpSchema):
    id = fields.UUID(metadata={"example": ex.SONG_ID})
    order_id = fields.UUID(metadata={"example": ex.ORDER_ID})
    title = fields.String(allow_none=True, metadata={"example": ex.TITLE})
    status = fields.String(metadata={"example": "completed", "enum": list(STATUSES)})
    progress = fields.Integer(metadata={"example": 100})
    waiting_for = fields.String(allow_none=True, metadata={"example": None,
        "enum": [*WAITING_FOR, None],
        "description": "What the song waits for from you: `approval` of its lyrics (`POST /songs/{id}/approve`), "
                       "or `photos` while a video song has no photo to make its video "
                       "from (upload them; once the song is completed, `generate-video` renders). null when nothing is asked of you.",
    })
    remaining_steps = fields.List(fields.String(metadata={"enum": list(STEPS)}), attribute="plan", metadata={"example": [],
        "description": "The steps still to run, next first; empty once done. For a failed song, the steps a retry resumes. "
                       "`render_video` makes nothing while `waiting_for` is `photos`.",
    })
    recipient_name = fields.String(metadata={"example": ex.RECIPIENT})
    occasion = fields.String(metadata={"example": ex.OCCASION})
    genre = fields.String(metadata={"example": "acoustic", "enum": list(GENRES)})
    mood = fields.String(metadata={"example": "joyful", "enum": list(MOODS)})
    story = fields.String(metadata={"example": ex.STORY})
    language = fields.String(metadata={"example": "en", "enum": list(LANGUAGES)})
    instrumental = fields.Boolean(metadata={"example": False})
    video_format = fields.String(metadata={"example": "16:9", "enum": list(VIDEO_FORMATS)})
    vocal_style = fields.String(allow_none=True,
        metadata={"example": "female", "enum": [*VOCAL_STYLES, None], "description": "null for instrumentals"})
    name_pronunciation = fields.String(allow_none=True, metadata={"example": "ow-REL-ya"})
    lyrics = fields.String(allow_none=True, metadata={"example": ex.LYRICS})
    lyrics_rewrites = fields.Integer(metadata={"example": 1})
    approve_lyrics = fields.Boolean(metadata={"example": True, "description": "Whether you review the lyrics before the music is made"})
    awaiting_approval = fields.Boolean(metadata={"example": False,
        "description": "The lyrics are there to review and the music waits for your approval (also while a rewrite "
                       "you asked for is written). `waiting_for` is `approval` once they can be approved."})
    approval_due_at = fields.DateTime(allow_none=True, metadata={"example": None,
        "description": "While `waiting_for` is `approval`: when the lyrics will be approved for you if you do not act"})
    lyrics_approved_at = fields.DateTime(allow_none=True, metadata={"example": "2026-11-25T14:07:10.118734+00:00"})
    audio_url = fields.Function(service.audio_url, allow_none=True,
        metadata={"example": ex.AUDIO_URL, "description": "Signed, time-limited"})
    video_url = fields.Function(service.video_url, allow_none=True,
        metadata={"example": ex.VIDEO_URL, "description": "Signed, time-limited"})
    duration_seconds = fields.Float(allow_none=True, metadata={"example": 142.6})
    takes = fields.List(fields.Nested(TakeSchema),
        metadata={"example": [{"id": ex.TAKE_ID, "position": 1, "duration_seconds": 142.6, "selected": True}]})
    error = fields.String(allow_none=True, metadata={"example": None})
    created_at = fields.DateTime(metadata={"example": ex.SONG_CREATED_AT})
    updated_at = fields.DateTime(metadata={"example": ex.SONG_COMPLETED_AT})
    completed_at = fields.DateTime(allow_none=True, metadata={"example": ex.SONG_COMPLETED_AT})


class SongSummarySchema(SongSchema):
    """A song as lists show it: every field but `story` and `lyrics`."""

    class Meta:
        exclude = ("story", "lyrics")
        description = ("A song in a list: every field of the song but `story` and `lyrics`, the two long texts, "
                       "which `GET /api/v1/songs/{song_id}` returns.")


class SongQuerySchema(Schema):
    status = choice(STATUSES, metadata={"example": "completed"})


class LyricsSchema(Schema):
    lyrics = MultiLine(required=True, validate=validate.Length(min=20, max=5000), metadata={"example": ex.LYRICS})


class CallbackResultSchema(Schema):
    status = fields.String(metadata={"example": "received", "description": "received, or ignored (unknown task or unreadable body)"})


class GenreOptionSchema(Schema):
    id = fields.String(metadata={"example": "acoustic", "enum": list(GENRES)})
    default_vocal_style = fields.String(
        metadata={"example": "female", "enum": list(VOCAL_STYLES), "description": "The voice when none is chosen"})


class LanguageOptionSchema(Schema):
    code = fields.String(metadata={"enum": list(LANGUAGES), "example": "es"})
    name = fields.String(metadata={"example": "Spanish"})
    custom_lyrics_only = fields.Boolean(metadata={"example": False,
        "description": "The configured lyrics writer cannot write this language: a song in it needs `custom_lyrics` "
                       "(or is instrumental)."})


class VocalStyleOptionSchema(Schema):
    id = fields.String(metadata={"example": "duet", "enum": list(VOCAL_STYLES)})
    name = fields.String(metadata={"example": "Duet: a female and a male voice"})


class SongOptionsSchema(Schema):
    genres = fields.List(fields.Nested(GenreOptionSchema))
    moods = fields.List(fields.String(metadata={"enum": list(MOODS)}), metadata={"example": list(MOODS)})
    languages = fields.List(fields.Nested(LanguageOptionSchema))
    vocal_styles = fields.List(fields.Nested(VocalStyleOptionSchema))
    products = fields.List(fields.Nested(ProductSchema))

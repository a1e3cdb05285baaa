from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy.orm import defer, joinedload

from config import GENRES, MOODS
from songcraft.common.fast_dump import FastDumpSchema
from songcraft.common.schemas import choice
from songcraft.common.text import MultiLine, SingleLine
from songcraft.songs import service
from songcraft.songs.models import STATUSES, STEPS, VIDEO_FORMATS, WAITING_FOR, Song, Take

LANGUAGES = ("en",)


class SongCreateSchema(Schema):
    order_id = fields.UUID(required=True)
    recipient_name = SingleLine(required=True, validate=validate.Length(min=1, max=80))
    occasion = SingleLine(required=True, validate=validate.Length(min=2, max=80))
    genre = fields.String(required=True, validate=validate.OneOf(GENRES))
    mood = fields.String(required=True, validate=validate.OneOf(MOODS))
    story = MultiLine(required=True, validate=validate.Length(min=10, max=2000))
    title = SingleLine(validate=validate.Length(min=1, max=100))
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES))
    custom_lyrics = MultiLine(validate=validate.Length(min=20, max=5000))
    instrumental = fields.Boolean(load_default=False)
    video_format = fields.String(load_default="16:9", validate=validate.OneOf(VIDEO_FORMATS))

    @validates_schema
    def _lyrics_or_instrumental(self, data, **kwargs):
        if data.get("instrumental") and data.get("custom_lyrics"):
            raise ValidationError("An instrumental song cannot have lyrics.", field_name="custom_lyrics")


class TakeSchema(Schema):
    id = fields.UUID()
    position = fields.Integer()
    duration_seconds = fields.Float()
    selected = fields.Boolean()


class SongSchema(FastDumpSchema):
    id = fields.UUID()
    order_id = fields.UUID()
    title = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    progress = fields.Integer()
    waiting_for = fields.String(allow_none=True, metadata={
        "enum": [*WAITING_FOR, None],
        "description": "What the song waits for from you: `photos` while a video song has no photo to make its video "
                       "from (upload them; once the song is completed, `generate-video` renders). null when nothing is asked of you.",
    })
    remaining_steps = fields.List(fields.String(metadata={"enum": list(STEPS)}), attribute="plan", metadata={
        "description": "The steps still to run, next first; empty once done. For a failed song, the steps a retry resumes. "
                       "`render_video` makes nothing while `waiting_for` is `photos`.",
    })
    recipient_name = fields.String()
    occasion = fields.String()
    genre = fields.String(metadata={"enum": list(GENRES)})
    mood = fields.String(metadata={"enum": list(MOODS)})
    story = fields.String()
    language = fields.String()
    instrumental = fields.Boolean()
    video_format = fields.String(metadata={"enum": list(VIDEO_FORMATS)})
    lyrics = fields.String(allow_none=True)
    lyrics_rewrites = fields.Integer()
    audio_url = fields.Function(service.audio_url, allow_none=True, metadata={"description": "Signed, time-limited"})
    video_url = fields.Function(service.video_url, allow_none=True, metadata={"description": "Signed, time-limited"})
    duration_seconds = fields.Float(allow_none=True)
    takes = fields.List(fields.Nested(TakeSchema))
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    completed_at = fields.DateTime(allow_none=True)


class SongSummarySchema(SongSchema):
    """A song as lists show it: every field but `story` and `lyrics`."""

    class Meta:
        exclude = ("story", "lyrics")
        description = ("A song in a list: every field of the song but `story` and `lyrics`, the two long texts, "
                       "which `GET /api/v1/songs/{song_id}` returns.")


# How a page of summaries loads, in the page's one query: the takes joined in, with the columns
# TakeSchema and `audio_url` read; not fetched at all the long texts the summary leaves out.
# Reading a column left out raises rather than costing a query per song, so a summary field that
# needs one fails every list test at once.
SUMMARY_LOADING = (
    *(defer(column, raiseload=True) for column in (Song.story, Song.lyrics)),
    joinedload(Song.takes).load_only(Take.position, Take.duration_seconds, Take.selected, Take.storage_key, raiseload=True),
)


class SongQuerySchema(Schema):
    status = choice(STATUSES)


class LyricsSchema(Schema):
    lyrics = MultiLine(required=True, validate=validate.Length(min=20, max=5000))


class CallbackResultSchema(Schema):
    status = fields.String(metadata={"description": "received, or ignored (unknown task or unreadable body)"})

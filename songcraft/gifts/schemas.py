from marshmallow import Schema, fields, validate

from songcraft.common import examples as ex
from songcraft.gifts.links import share_url

MAX_MESSAGE_LENGTH = 1000


class GiftUpdateSchema(Schema):
    """PUT replaces all three: a field left out is cleared (no `deliver_at`: as soon as the song is complete)."""

    recipient_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),

                                       metadata={"example": "aurelia.costa@example.com",
                                                 "description": "Who gets the link by email at `deliver_at`; none: share it yourself"})
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_MESSAGE_LENGTH),
                            metadata={"example": ex.GIFT_MESSAGE, "description": "Shown on the page above the song"})
    deliver_at = fields.AwareDateTime(load_default=None, allow_none=True, format="iso",

                                          metadata={"example": ex.DELIVER_AT,
                                                    "description": "ISO 8601 with an offset, in the future (within a year)"})


class GiftSchema(Schema):
    song_id = fields.UUID(metadata={"example": ex.SONG_ID})
    share_url = fields.Function(share_url,
        metadata={"example": ex.SHARE_URL, "description": "The page's address; whoever has it can listen"})
    recipient_email = fields.String(allow_none=True, metadata={"example": "aurelia.costa@example.com"})
    message = fields.String(allow_none=True, metadata={"example": ex.GIFT_MESSAGE})
    deliver_at = fields.DateTime(allow_none=True, metadata={"example": "2026-12-03T07:00:00+00:00"})
    delivered_at = fields.DateTime(allow_none=True,
        metadata={"example": "2026-12-03T07:00:01.482210+00:00", "description": "When the recipient's email was queued"})
    first_viewed_at = fields.DateTime(allow_none=True,
        metadata={"example": "2026-12-03T07:14:36.905127+00:00", "description": "When the page was first opened in a browser"})
    views = fields.Integer(metadata={"example": 3, "description": "Openings in a browser that ran the page (not bots or link previews)"})
    created_at = fields.DateTime(metadata={"example": "2026-11-25T14:12:08.337091+00:00"})
    updated_at = fields.DateTime(metadata={"example": "2026-11-25T14:12:08.337091+00:00"})

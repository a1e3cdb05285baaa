from marshmallow import Schema, fields, validate

from songcraft.gifts.links import share_url

MAX_MESSAGE_LENGTH = 1000


class GiftUpdateSchema(Schema):
    """PUT replaces all three: a field left out is cleared (no `deliver_at`: as soon as the song is complete)."""

    recipient_email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                                   metadata={"description": "Who gets the link by email at `deliver_at`; none: share it yourself"})
    message = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=MAX_MESSAGE_LENGTH),
                            metadata={"description": "Shown on the page above the song"})
    deliver_at = fields.AwareDateTime(load_default=None, allow_none=True, format="iso",
                                      metadata={"description": "ISO 8601 with an offset, in the future (within a year)"})


class GiftSchema(Schema):
    song_id = fields.UUID()
    share_url = fields.Function(share_url, metadata={"description": "The page's address; whoever has it can listen"})
    recipient_email = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    deliver_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True, metadata={"description": "When the recipient's email was queued"})
    first_viewed_at = fields.DateTime(allow_none=True, metadata={"description": "When the page was first opened in a browser"})
    views = fields.Integer(metadata={"description": "Openings in a browser that ran the page (not bots or link previews)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()

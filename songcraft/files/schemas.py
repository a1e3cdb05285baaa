from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from songcraft.common import examples as ex
from songcraft.files import service


class ImageUploadSchema(Schema):
    images = fields.List(Upload(), required=True, validate=validate.Length(min=1, max=service.MAX_IMAGES_PER_SONG))


class ImageSchema(Schema):
    id = fields.UUID(metadata={"example": ex.IMAGE_ID})
    song_id = fields.UUID(metadata={"example": ex.SONG_ID})
    url = fields.Function(service.image_url, metadata={"example": ex.IMAGE_URL, "description": "Signed, time-limited"})
    thumbnail_url = fields.Function(service.thumbnail_url, metadata={"example": ex.THUMBNAIL_URL, "description": "Signed, time-limited"})
    width = fields.Integer(metadata={"example": 1920})
    height = fields.Integer(metadata={"example": 1080})
    content_type = fields.String(metadata={"example": "image/jpeg"})
    size_bytes = fields.Integer(metadata={"example": 412876})
    position = fields.Integer(metadata={"example": 1})
    created_at = fields.DateTime(metadata={"example": "2026-11-25T14:06:52.603118+00:00"})

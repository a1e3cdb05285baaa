from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from songcraft.files import service


class ImageUploadSchema(Schema):
    images = fields.List(Upload(), required=True, validate=validate.Length(min=1, max=service.MAX_IMAGES_PER_SONG))


class ImageSchema(Schema):
    id = fields.UUID()
    song_id = fields.UUID()
    url = fields.Function(service.image_url, metadata={"description": "Signed, time-limited"})
    thumbnail_url = fields.Function(service.thumbnail_url, metadata={"description": "Signed, time-limited"})
    width = fields.Integer()
    height = fields.Integer()
    content_type = fields.String()
    size_bytes = fields.Integer()
    position = fields.Integer()
    created_at = fields.DateTime()

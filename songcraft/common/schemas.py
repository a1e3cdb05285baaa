"""Schemas shared across features."""
from marshmallow import Schema, fields


class ErrorSchema(Schema):
    """The contract's error shape, used by every error response."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Field errors by location, e.g. {'json': {'email': [...]}}"})


class MessageSchema(Schema):
    message = fields.String(required=True)

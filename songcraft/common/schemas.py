"""Schemas shared across features."""
from marshmallow import Schema, fields, validate


def choice(choices, **kwargs) -> fields.String:
    """A string that must be one of `choices`, with its maximum length stated too: every query
    parameter of the OpenAPI document is bounded (`maxLength`), so clients and fuzzers know it."""
    return fields.String(validate=[validate.Length(max=max(map(len, choices))), validate.OneOf(choices)], **kwargs)


class ErrorSchema(Schema):
    """The contract's error shape, used by every error response."""

    code = fields.Integer(required=True)
    status = fields.String(required=True)
    message = fields.String(required=True)
    errors = fields.Dict(metadata={"description": "Field errors by location, e.g. {'json': {'email': [...]}}"})


class MessageSchema(Schema):
    message = fields.String(required=True)

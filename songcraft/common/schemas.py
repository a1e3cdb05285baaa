"""Schemas shared across features."""
from flask_smorest.pagination import PaginationMetadataSchema as _SmorestPaginationMetadataSchema
from marshmallow import Schema, fields, validate


def choice(choices, **kwargs) -> fields.String:
    """A string that must be one of `choices`, with its maximum length stated too: every query
    parameter of the OpenAPI document is bounded (`maxLength`), so clients and fuzzers know it."""
    return fields.String(validate=[validate.Length(max=max(map(len, choices))), validate.OneOf(choices)], **kwargs)


class ErrorSchema(Schema):
    """The contract's error shape, used by every error response."""

    code = fields.Integer(required=True, metadata={"example": 422})
    status = fields.String(required=True, metadata={"example": "Unprocessable Entity"})
    message = fields.String(required=True, metadata={"example": "The request was well-formed but was unable to be followed due to "
                                                                "semantic errors."})
    errors = fields.Dict(metadata={"example": {"json": {"email": ["Not a valid email address."], "story": ["Length must be between 10 "
                                                                                                           "and 2000."]}},
                                   "description": "Field errors by location, e.g. {'json': {'email': [...]}}"})


class MessageSchema(Schema):
    message = fields.String(required=True, metadata={"example": "If an account exists for this email, a reset link is on its way."})



class PaginationMetadataSchema(_SmorestPaginationMetadataSchema):
    """flask-smorest's `X-Pagination` header, with examples: page 2 of a list of 57 items, 20 a page."""

    total = fields.Integer(metadata={"description": "Total number of items.", "example": 57})
    total_pages = fields.Integer(metadata={"description": "Total number of pages.", "example": 3})
    first_page = fields.Integer(metadata={"description": "First available page number.", "example": 1})
    last_page = fields.Integer(metadata={"description": "Last available page number.", "example": 3})
    page = fields.Integer(metadata={"description": "Current page number.", "example": 2})
    previous_page = fields.Integer(metadata={"description": "Previous page number.", "example": 1})
    next_page = fields.Integer(metadata={"description": "Next page number.", "example": 3})

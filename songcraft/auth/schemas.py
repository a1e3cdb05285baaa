from marshmallow import Schema, fields, validate

from songcraft.common import examples as ex
from songcraft.common.text import SingleLine

PASSWORD = dict(required=True, validate=validate.Length(min=8, max=128), load_only=True)


class UserSchema(Schema):
    id = fields.UUID(dump_only=True, metadata={"example": ex.USER_ID})
    email = fields.Email(dump_only=True, metadata={"example": ex.EMAIL})
    full_name = fields.String(dump_only=True, allow_none=True, metadata={"example": ex.FULL_NAME})
    role = fields.String(dump_only=True, metadata={"example": "user"})
    is_verified = fields.Boolean(dump_only=True, metadata={"example": True})
    is_active = fields.Boolean(dump_only=True, metadata={"example": True})
    created_at = fields.DateTime(dump_only=True, metadata={"example": ex.REGISTERED_AT})


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254), metadata={"example": ex.EMAIL})
    password = fields.String(**PASSWORD, metadata={"example": ex.PASSWORD})
    full_name = SingleLine(validate=validate.Length(min=1, max=120), allow_none=True, metadata={"example": ex.FULL_NAME})


class EmailSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254), metadata={"example": ex.EMAIL})


class LoginSchema(Schema):
    email = fields.Email(required=True, metadata={"example": ex.EMAIL})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024), metadata={"example": ex.PASSWORD})


class TokenPairSchema(Schema):
    access_token = fields.String(required=True, metadata={"example": ex.ACCESS_TOKEN})
    refresh_token = fields.String(required=True, metadata={"example": ex.REFRESH_TOKEN})
    token_type = fields.String(dump_default="Bearer", metadata={"example": "Bearer"})
    expires_in = fields.Integer(metadata={"example": 900, "description": "Access token lifetime in seconds"})


class LoginResponseSchema(TokenPairSchema):
    user = fields.Nested(UserSchema)


class VerifiedSchema(Schema):
    message = fields.String(metadata={"example": "Your email address is verified."})
    user = fields.Nested(UserSchema)


class ProfileUpdateSchema(Schema):
    full_name = SingleLine(required=True, validate=validate.Length(min=1, max=120), allow_none=True, metadata={"example": ex.FULL_NAME})


class PasswordResetSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000),
        metadata={"example": ex.EMAIL_TOKEN})
    password = fields.String(**PASSWORD, metadata={"example": "a-new-lemon-cake-at-dusk-7"})


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024),
        metadata={"example": ex.PASSWORD})
    new_password = fields.String(**PASSWORD, metadata={"example": "a-new-lemon-cake-at-dusk-7"})

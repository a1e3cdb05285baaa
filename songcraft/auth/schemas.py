from marshmallow import Schema, fields, validate

from songcraft.common.text import SingleLine

PASSWORD = dict(required=True, validate=validate.Length(min=8, max=128), load_only=True)


class UserSchema(Schema):
    id = fields.UUID(dump_only=True)
    email = fields.Email(dump_only=True)
    full_name = fields.String(dump_only=True, allow_none=True)
    role = fields.String(dump_only=True)
    is_verified = fields.Boolean(dump_only=True)
    is_active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))
    password = fields.String(**PASSWORD)
    full_name = SingleLine(validate=validate.Length(min=1, max=120), allow_none=True)


class EmailSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class LoginSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(dump_default="Bearer")
    expires_in = fields.Integer(metadata={"description": "Access token lifetime in seconds"})


class LoginResponseSchema(TokenPairSchema):
    user = fields.Nested(UserSchema)


class VerifiedSchema(Schema):
    message = fields.String()
    user = fields.Nested(UserSchema)


class ProfileUpdateSchema(Schema):
    full_name = SingleLine(required=True, validate=validate.Length(min=1, max=120), allow_none=True)


class PasswordResetSchema(Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    password = fields.String(**PASSWORD)


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=1024))
    new_password = fields.String(**PASSWORD)

from marshmallow import Schema, fields

from songcraft.privacy.models import STATUSES


class ErasureSchema(Schema):
    password = fields.String(required=True, load_only=True, metadata={
        "description": "The account's current password, to confirm the erasure", "example": "correct horse battery staple"})


class DataExportSchema(Schema):
    id = fields.UUID(metadata={"example": "6f1c2a8e-0b7d-4c55-9a61-2f0e8d3b9c47"})
    status = fields.String(metadata={"enum": list(STATUSES), "example": "queued",
                                     "description": "`queued` or `running` until the email with the link is sent; then `ready`"})
    created_at = fields.DateTime(metadata={"example": "2026-11-25T21:40:00+00:00"})
    expires_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the emailed link stops working and the file is deleted (null until ready)",
        "example": "2026-11-26T21:42:10+00:00"})

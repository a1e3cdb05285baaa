from marshmallow import Schema, fields


class ContentSafetyStatsSchema(Schema):
    refused_attempts = fields.Integer(metadata={"description": "Requests refused for their content, ever", "example": 12})
    refused_last_24h = fields.Integer(metadata={"description": "Of those, in the last 24 hours", "example": 2})
    by_category = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Refused fields per category (`profanity` from the word list; OpenAI's categories such as "
                       "`hate`, `harassment`, `sexual`, `violence`). A text in two categories counts in both.",
        "example": {"harassment": 3, "hate": 1, "profanity": 8},
    })
    by_field = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={
        "description": "Refused attempts per field", "example": {"story": 7, "message": 3, "lyrics": 2},
    })

"""One customer's story, told by the examples of the OpenAPI document (`metadata={"example": ...}`).

Mara buys a video song for Aurelia's 30th birthday: the ids, times and links of every schema's
example belong to that one order, so Swagger UI shows answers that fit together. Each example
must satisfy its own field's rules (enums, lengths, patterns): tests/integration/test_openapi_docs.py
validates them against the document.
"""
from http import HTTPStatus

from werkzeug.exceptions import default_exceptions

USER_ID = "5b8e3c1a-7d2f-4e9b-a6c4-1f0d9e8b7a62"
ADMIN_ID = "a2d4f6b8-0c1e-4a3b-9d5f-7e8c6b4a2d10"
ORDER_ID = "0e6f4a2b-93c5-4d18-b7e2-6a1c8f3d5e90"
SONG_ID = "c3a1f7e2-5b94-4d6a-8e21-7f0b9c4d2a18"
TAKE_ID = "9d2e6b4f-1a7c-4e38-95b0-3c8f2a6d7e41"
IMAGE_ID = "4f7a9c2e-6d1b-4a85-b3e9-8c0d2f5a1b76"
AUDIT_ID = "e1b7c5a3-8f2d-4b6e-a0c9-3d5f7b9e1a24"
ALERT_ID = "7c9e1a3b-5d2f-4e8a-b6c0-2f4a6c8e0b35"

EMAIL = "mara.lindqvist@example.com"
ADMIN_EMAIL = "ops@songcraft.example"
FULL_NAME = "Mara Lindqvist"
PASSWORD = "lemon-cake-at-dawn-42"

REGISTERED_AT = "2026-11-20T09:12:44.318207+00:00"
ORDERED_AT = "2026-11-25T14:03:27.512904+00:00"
PAID_AT = "2026-11-25T14:05:02.907311+00:00"
SONG_CREATED_AT = "2026-11-25T14:06:18.240655+00:00"
SONG_COMPLETED_AT = "2026-11-25T14:09:51.774102+00:00"
DELIVER_AT = "2026-12-03T08:00:00+01:00"

PUBLIC_URL = "https://songcraft.example"
MEDIA_URL = "https://media.songcraft.example"
SIGNATURE = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=3600&X-Amz-Signature=5f0c3e9a7b21d48e6c90a1f3b7d25e84"
_SONG_FILES = f"{MEDIA_URL}/users/{USER_ID}/songs/{SONG_ID}"
AUDIO_URL = f"{_SONG_FILES}/takes/7f3c9a1e2b-1.mp3?{SIGNATURE}"
VIDEO_URL = f"{_SONG_FILES}/video.mp4?{SIGNATURE}"
IMAGE_URL = f"{_SONG_FILES}/images/{IMAGE_ID}.jpg?{SIGNATURE}"
THUMBNAIL_URL = f"{_SONG_FILES}/images/{IMAGE_ID}-thumb.jpg?{SIGNATURE}"
PAYMENT_URL = f"{PUBLIC_URL}/sandbox/checkout/{ORDER_ID}?token=eyJvIjoiMGU2ZjRhMmIifQ.Z0SGmw.q8VdT2kLx7"
SHARE_URL = f"{PUBLIC_URL}/listen/Dm9Kx2LpQ7vR4tYw8Zb3Nc6Hf1Js5Ga0Ue2Io4Xk7Wq9Er3T"

ACCESS_TOKEN = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjhlM2MxYS03ZDJmLTRlOWItYTZjNC0xZjBkOWU4YjdhNjIiLCJ0eXBlIjoiYWNj"
                "ZXNzIiwiZmFtIjoiYjE5ZjNhIn0.4nR0cF8m2pXq7wVz1kTj9sLd6yHb3gUe5oAi0cNf8rM")
REFRESH_TOKEN = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI1YjhlM2MxYS03ZDJmLTRlOWItYTZjNC0xZjBkOWU4YjdhNjIiLCJ0eXBlIjoicmVm"
                 "cmVzaCIsImZhbSI6ImIxOWYzYSJ9.Wm3xQ8vB2nT6kLp0rY4sJd9cHf1gZa7eUo5iXw3tEqM")

# A verification or reset token, as the links in those emails carry it (itsdangerous, signed and timed)
EMAIL_TOKEN = "eyJ1aWQiOiI1YjhlM2MxYS03ZDJmLTRlOWItYTZjNC0xZjBkOWU4YjdhNjIiLCJmcCI6IjljMmQ0ZSJ9.Z0SHbA.v3QpLr8yTzXc1NwKd5HsJ2mQ7aRb"

# The path parameters, by name (songcraft/common/blueprint.py gives each route's its example)
PATH_PARAMETERS = {"song_id": SONG_ID, "order_id": ORDER_ID, "take_id": TAKE_ID, "image_id": IMAGE_ID, "user_id": USER_ID,
                   "token": EMAIL_TOKEN, "secret": "k7Qm2vR9xT4wZ8bN3cF6hJ1pL5sD0gYa"}

RECIPIENT = "Aurelia"
OCCASION = "Her 30th birthday"
TITLE = "Umbrella Weather"
STORY = ("We met at a rainy bus stop in Lisbon in 2015, when Aurelia lent me her yellow umbrella and missed her own bus. "
         "She sings off-key in the kitchen every morning, bakes a lemon cake for every friend's birthday but her own, "
         "and this spring she ran her first marathon with her grey cat Pascal waiting at the finish line in his carrier.")
LYRICS = ("[Verse 1]\nA yellow umbrella at a Lisbon stop\nYou missed your bus and the rain wouldn't stop\n"
          "[Chorus]\nAurelia, Aurelia, thirty and bright\nYou sing off-key and you sing it right\n"
          "[Verse 2]\nLemon cake for everyone but you\nForty-two kilometres and Pascal waiting through\n"
          "[Chorus]\nAurelia, Aurelia, thirty and bright\nYou sing off-key and you sing it right")
GIFT_MESSAGE = "Happy birthday, my favourite off-key singer. Put your headphones on before you open the cake. — Mara"


def error_example(status: int, message: str | None = None) -> dict:
    """The contract's error body for `status`, as the API answers it (werkzeug's description when no
    `message` is given, as songcraft/errors.py does)."""
    phrase = HTTPStatus(status).phrase
    exception = default_exceptions.get(status)
    return {"code": status, "status": phrase, "message": message or (exception.description if exception else phrase)}

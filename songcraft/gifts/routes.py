"""HTTP routes for a song's gift (the contract's Gifts section); the public page is in pages.py."""
from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.schemas import ErrorSchema
from songcraft.gifts import schemas, service

blp = Blueprint("gifts", __name__, url_prefix="/api/v1/songs", description="Share a song as a gift, revealed when you choose")


@blp.route("/<uuid:song_id>/gift")
class SongGift(MethodView):
    decorators = [login_required()]

    @blp.doc(security=BEARER)
    @blp.response(200, schemas.GiftSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours, or it has no gift")
    def get(self, song_id: uuid.UUID):
        """The song's gift and its share link

        The song's owner only. The gift's `share_url` (the same every time it is asked for), who gets it by
        email and when, your message, and whether the recipient has opened it yet. 404 when the song has no
        gift. Read-only.
        """
        return service.get_gift(current_user, song_id)

    @blp.doc(security=BEARER)
    @blp.arguments(schemas.GiftUpdateSchema)
    @blp.response(200, schemas.GiftSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    @blp.alt_response(422, schema=ErrorSchema, description="Invalid fields, or `deliver_at` not in the coming year")
    def put(self, data, song_id: uuid.UUID):
        """Create or replace the gift: who gets the link, when, and your message

        The song's owner only. A field left out is cleared. Once the song is complete and `deliver_at` has come
        (no `deliver_at`: as soon as the song is complete), `recipient_email` gets one email with the link; the
        page at `share_url` plays the song to whoever has the link, with your message. Idempotent: sending the
        same gift again changes nothing and sends no second email; a new `recipient_email` after delivery gets
        the link once.
        """
        return service.put_gift(current_user, song_id, data)

    @blp.doc(security=BEARER)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours, or it has no gift")
    def delete(self, song_id: uuid.UUID):
        """Revoke the gift: its link stops working

        The song's owner only. Deletes the gift: the page at its link answers 404 at once. Revoking again gives
        404; `PUT` makes a new gift with a new link.
        """
        service.revoke_gift(current_user, song_id)


@blp.route("/<uuid:song_id>/gift/rotate", methods=["POST"])
@blp.doc(security=BEARER)
@login_required()
@blp.response(200, schemas.GiftSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such song of yours, or it has no gift")
def rotate(song_id: uuid.UUID):
    """Issue a new share link; the old one stops working

    The song's owner only, for a song with a gift. The gift keeps its recipient, message and delivery time; only the
    link changes, and it is not emailed again. Not idempotent: each call makes a new link.
    """
    return service.rotate_link(current_user, song_id)

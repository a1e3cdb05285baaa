"""HTTP routes for song photos (the contract's Files section)."""
from __future__ import annotations

import uuid

from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.guards import body_limit
from songcraft.common.schemas import ErrorSchema
from songcraft.files import schemas, service

blp = Blueprint("files", __name__, url_prefix="/api/v1/files", description="Photos for video songs")


@blp.route("/songs/<uuid:song_id>/images")
class SongImages(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.ImageSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    def get(self, song_id: uuid.UUID):
        """The song's photos, in order

        The song's owner only. The photos a video is made from, in their order, each with signed, time-limited
        URLs of the photo and its thumbnail. Read-only.
        """
        return service.list_images(current_user, song_id)

    @blp.doc(security=BEARER)
    @login_required(verified=True)
    @body_limit(service.MAX_UPLOAD_REQUEST_BYTES, max_parts=service.MAX_IMAGES_PER_SONG + 10)
    @blp.arguments(schemas.ImageUploadSchema, location="files")
    @blp.response(201, schemas.ImageSchema(many=True))
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    @blp.alt_response(409, schema=ErrorSchema, description="Not a video order, too many photos, or the video is rendering")
    @blp.alt_response(413, schema=ErrorSchema, description="A file is over 10 MB or has too many pixels, "
                      "or together they are too many pixels to decode in one upload")
    @blp.alt_response(415, schema=ErrorSchema, description="A file is not a JPEG, PNG or WebP image")
    def post(self, files, song_id: uuid.UUID):
        """Upload photos (multipart field `images`, one or more; JPEG, PNG or WebP)

        The song's owner, with a verified email, for a video order, any time after `POST /songs/` (the song
        exists) and before the video renders. Each file is checked by its content (415 if it is not a JPEG, PNG
        or WebP image, 413 over 10 MB or too many pixels); photos become JPEGs of at most 1920 x 1080 with a 320
        x 320 thumbnail. At most 10 photos per song (409 beyond). One bad file stores nothing. Uploading does
        not render: a completed song renders with `POST /songs/{song_id}/generate-video`, a song still being
        made uses the photos when it reaches its video step.
        """
        return service.upload_images(current_user, song_id, files["images"])


@blp.route("/songs/<uuid:song_id>/images/<uuid:image_id>")
class SongImage(MethodView):
    @blp.doc(security=BEARER)
    @login_required(verified=True)
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song or photo of yours")
    @blp.alt_response(409, schema=ErrorSchema, description="The video is rendering")
    def delete(self, song_id: uuid.UUID, image_id: uuid.UUID):
        """Delete a photo (the others keep their order)

        The song's owner, with a verified email. The photo and its thumbnail are removed from storage after the
        commit. 409 while the video renders. Deleting again gives 404.
        """
        service.delete_image(current_user, song_id, image_id)

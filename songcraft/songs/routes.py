"""HTTP routes for songs (the contract's Songs section)."""
from __future__ import annotations

import uuid

from flask import current_app, redirect, request
from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.guards import body_limit, secret_in_path
from songcraft.common.schemas import ErrorSchema
from songcraft.errors import NotFound
from songcraft.extensions import limiter
from songcraft.songs import approval, schemas, service
from songcraft.songs.options import song_options
from songcraft.songs.summaries import SongList, SummaryPage

blp = Blueprint("songs", __name__, url_prefix="/api/v1/songs", description="Songs and their generation")

BUSY = "A step is already running for this song, or the song cannot do that now"


@blp.route("/")
class Songs(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.arguments(schemas.SongQuerySchema, location="query")
    @blp.response(200, schemas.SongSummarySchema(many=True))
    @blp.paginate(SummaryPage, page_size=20, max_page_size=100)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    def get(self, query):
        """Your songs, newest first (filter with `?status=`), without story and lyrics (`GET /{song_id}` has them)"""
        return SongList(user_id=current_user.id, status=query.get("status"))

    @blp.doc(security=BEARER)
    @login_required(verified=True)
    @blp.arguments(schemas.SongCreateSchema)
    @blp.response(202, schemas.SongSchema)
    @blp.alt_response(402, schema=ErrorSchema, description="The order is not paid")
    @blp.alt_response(404, schema=ErrorSchema, description="No such order of yours")
    @blp.alt_response(409, schema=ErrorSchema, description="The order was already used")
    def post(self, data):
        """Describe the song for a paid order and start making it"""
        return service.create_song(current_user, data)


@blp.route("/options", methods=["GET"])
@blp.response(200, schemas.SongOptionsSchema)
def options():
    """What a song can be with the configured providers: genres, moods, languages, voices and products (public)"""
    return song_options()


@blp.route("/<uuid:song_id>")
class SongById(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.SongSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    def get(self, song_id: uuid.UUID):
        """One of your songs, with its progress"""
        return service.get_user_song(current_user, song_id)

    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    @blp.alt_response(409, schema=ErrorSchema, description="The song is being made")
    def delete(self, song_id: uuid.UUID):
        """Delete a song and its files"""
        service.delete_song(current_user, song_id)


@blp.route("/<uuid:song_id>/lyrics", methods=["PUT"])
@blp.doc(security=BEARER)
@login_required(verified=True)
@blp.arguments(schemas.LyricsSchema)
@blp.response(200, schemas.SongSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
@blp.alt_response(409, schema=ErrorSchema, description=BUSY)
def put_lyrics(data, song_id: uuid.UUID):
    """Replace the lyrics with your own edit (not while audio is being made)"""
    return service.edit_lyrics(current_user, song_id, data["lyrics"])


def _start_action(path: str, action, summary: str, conflicts: str):
    """Register `POST /<song_id>/<path>`: start pipeline steps for one of the caller's songs (202)."""

    def view(song_id: uuid.UUID):
        return action(current_user, song_id)

    view.__name__, view.__doc__ = action.__name__, summary
    decorators = (
        blp.route(f"/<uuid:song_id>/{path}", methods=["POST"]),
        blp.doc(security=BEARER),
        login_required(verified=True),
        blp.response(202, schemas.SongSchema),
        blp.alt_response(404, schema=ErrorSchema, description="No such song of yours"),
        blp.alt_response(409, schema=ErrorSchema, description=f"{BUSY} ({conflicts})"),
    )
    for decorate in reversed(decorators):
        view = decorate(view)


_start_action("generate-lyrics", service.regenerate_lyrics, "Write new lyrics (a bounded number of rewrites per song)",
              "or no rewrites left, or the order was refunded")
_start_action("generate-audio", service.generate_audio, "Compose the audio from the current lyrics, then deliver",
              "or no lyrics yet, or no compositions left")
_start_action("approve", approval.approve, "Approve the lyrics: the music is made from them, then the song is delivered",
              "or not awaiting approval: ordered without it, already approved, or the lyrics are being written")
_start_action("generate-video", service.generate_video, "Render the video from your photos and the song, then deliver",
              "or not a video order, no audio, no photos")


@blp.route("/<uuid:song_id>/takes/<uuid:take_id>/select", methods=["POST"])
@blp.doc(security=BEARER)
@login_required(verified=True)
@blp.response(200, schemas.SongSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such song or take of yours")
@blp.alt_response(409, schema=ErrorSchema, description=BUSY)
def select_take(song_id: uuid.UUID, take_id: uuid.UUID):
    """Choose which take is delivered"""
    return service.select_take(current_user, song_id, take_id)


def _redirect_to(url: str | None, what: str):
    if url is None:
        raise NotFound(f"The {what} is not ready.")
    return redirect(url, 302)


@blp.route("/<uuid:song_id>/audio", methods=["GET"])
@blp.doc(security=BEARER)
@login_required()
@blp.response(302, description="Redirect to a signed, time-limited URL of the selected take")
@blp.alt_response(404, schema=ErrorSchema, description="No such song, or no audio yet")
def download_audio(song_id: uuid.UUID):
    """Download the song's audio (MP3)"""
    return _redirect_to(service.audio_url(service.get_user_song(current_user, song_id)), "audio")


@blp.route("/<uuid:song_id>/video", methods=["GET"])
@blp.doc(security=BEARER)
@login_required()
@blp.response(302, description="Redirect to a signed, time-limited URL of the video")
@blp.alt_response(404, schema=ErrorSchema, description="No such song, or no video yet")
def download_video(song_id: uuid.UUID):
    """Download the song's video (MP4)"""
    return _redirect_to(service.video_url(service.get_user_song(current_user, song_id)), "video")


CALLBACK_MAX_BYTES = 64 * 1024  # Suno's callbacks are a few KB


@blp.route("/callbacks/suno/<string:secret>", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_CALLBACK"])
@body_limit(CALLBACK_MAX_BYTES)
@secret_in_path("SUNO_CALLBACK_SECRET")
@blp.response(200, schemas.CallbackResultSchema)
@blp.alt_response(404, schema=ErrorSchema, description="Not the secret of the callback URL given to Suno")
@blp.alt_response(413, schema=ErrorSchema, description="The body is over 64 KB")
@blp.alt_response(429, schema=ErrorSchema, description="Too many callbacks")
@blp.doc(description="Suno posts here when a composition progresses. Callbacks are not signed, so the URL carries a secret "
         "(`SUNO_CALLBACK_SECRET`) and a `complete` callback is only a hint to collect the takes at once from Suno's API; "
         "the polling step remains the fallback.")
def suno_callback():
    """Suno's composition callback"""
    return {"status": service.note_audio_callback(request.get_json(silent=True) or {})}

"""HTTP routes for songs (the contract's Songs section)."""
from __future__ import annotations

import uuid

from flask import redirect, request
from flask.views import MethodView
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.guards import body_limit, secret_in_path
from songcraft.common.schemas import ErrorSchema
from songcraft.errors import NotFound
from songcraft.extensions import limit_from_config
from songcraft.songs import approval, schemas, service
from songcraft.songs.options import song_options
from songcraft.songs.summaries import SongList, SummaryPage

blp = Blueprint("songs", __name__, url_prefix="/api/v1/songs", description="Songs and their generation")

BUSY = "A step is already running for this song, or the song cannot do that now"


@blp.route("/")
class Songs(MethodView):
    @blp.doc(security=BEARER)
    @login_required(read_only=True)
    @blp.arguments(schemas.SongQuerySchema, location="query")
    @blp.response(200, schemas.SongSummarySchema(many=True))
    @blp.paginate(SummaryPage, page_size=20, max_page_size=100)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in")
    def get(self, query):
        """Your songs, newest first (filter with `?status=`), without story and lyrics (`GET /{song_id}` has them)

        Any logged-in customer; only their own songs are listed. Each item is a `SongSummary`: every field of
        the song but the two long texts. Paginated with `?page=` and `?page_size=` (at most 100); the body is
        the array and the `X-Pagination` header carries the total and the neighbouring pages. Read-only.
        """
        return SongList(user_id=current_user.id, status=query.get("status"))

    @blp.doc(security=BEARER)
    @login_required(verified=True)
    @blp.arguments(schemas.SongCreateSchema, example=schemas.CREATE_EXAMPLE)
    @blp.response(202, schemas.SongSchema)
    @blp.alt_response(402, schema=ErrorSchema, description="The order is not paid")
    @blp.alt_response(404, schema=ErrorSchema, description="No such order of yours")
    @blp.alt_response(409, schema=ErrorSchema, description="The order was already used")
    def post(self, data):
        """Describe the song for a paid order and start making it

        For a customer with a verified email, and an order of theirs that is `paid` and has no song yet (402
        while it is unpaid, 409 once it was used, 404 for someone else's). The song is created `queued` and its
        pipeline starts on the workers (lyrics, music, then the video for a video order, then delivery by
        email); the answer is 202 at once and `GET /songs/{song_id}` shows the progress.

        `custom_lyrics` skips the lyrics step, `instrumental` skips lyrics and vocals, and `approve_lyrics`
        stops the song at `lyrics_ready` until you approve the lyrics. `GET /songs/options` lists the genres,
        moods, languages and voices the configured providers offer. Not idempotent: an order makes one song, so
        a repeated request gets 409.
        """
        return service.create_song(current_user, data)


@blp.route("/options", methods=["GET"])
@blp.response(200, schemas.SongOptionsSchema)
def options():
    """What a song can be with the configured providers: genres, moods, languages, voices and products (public)

    No login needed. A frontend builds its song form from this: each genre with the voice it gets by default, the
    moods, the lyrics languages (with those the configured lyrics writer cannot write, which need `custom_lyrics`),
    the voices and the products with their prices in cents. Read-only; it changes only when the server's
    configuration does.
    """
    return song_options()


@blp.route("/<uuid:song_id>")
class SongById(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.SongSchema)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    def get(self, song_id: uuid.UUID):
        """One of your songs, with its progress

        The song's owner only (another customer's song is 404, as for an unknown id). Everything about the song:
        its status, `progress` (0 to 100), `waiting_for` (what it needs from you), the steps still to run, the
        lyrics, the takes and signed, time-limited `audio_url` and `video_url` once they exist. Poll it while
        the song is made; read-only.
        """
        return service.get_user_song(current_user, song_id)

    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
    @blp.alt_response(409, schema=ErrorSchema, description="The song is being made")
    def delete(self, song_id: uuid.UUID):
        """Delete a song and its files

        The song's owner only. Deletes the song, its takes, photos, cover and video; the files are removed from
        storage after the commit (a sweep retries any that storage refused). 409 while a step is running: wait
        until the song is `completed` or `failed`. The order stays `paid` or `fulfilled`; it does not make a new
        song. Deleting again gives 404.
        """
        service.delete_song(current_user, song_id)


@blp.route("/<uuid:song_id>/lyrics", methods=["PUT"])
@blp.doc(security=BEARER)
@login_required(verified=True)
@blp.arguments(schemas.LyricsSchema)
@blp.response(200, schemas.SongSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such song of yours")
@blp.alt_response(409, schema=ErrorSchema, description=BUSY)
def put_lyrics(data, song_id: uuid.UUID):
    """Replace the lyrics with your own edit (not while audio is being made)

    The song's owner, with a verified email. The edited lyrics replace the current ones and are sung the next time
    the music is composed (`POST /songs/{song_id}/generate-audio`, or the approval of a song that waits for it).
    Nothing is composed by this call, and sending the same lyrics twice changes nothing more. 409 while a step of
    the song is running, and for an instrumental song.
    """
    return service.edit_lyrics(current_user, song_id, data["lyrics"])


def _start_action(path: str, action, summary: str, conflicts: str, description: str):
    """Register `POST /<song_id>/<path>`: start pipeline steps for one of the caller's songs (202)."""

    def view(song_id: uuid.UUID):
        return action(current_user, song_id)

    view.__name__, view.__doc__ = action.__name__, f"{summary}\n\n{description}"
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


_ANSWER = "The answer is 202 at once, with the song as it stands; follow it with `GET /songs/{song_id}`."
_start_action("generate-lyrics", service.regenerate_lyrics, "Write new lyrics (a bounded number of rewrites per song)",
              "or no rewrites left, or the order was refunded",
              "The song's owner, with a verified email. The lyrics writer writes new lyrics from the same story, using one of "
              "the song's rewrites (`MAX_LYRICS_REWRITES`, 5 by default; `lyrics_rewrites` counts them). While the lyrics "
              "wait for approval the music stays planned after the rewrite, so the song comes back for approval with a new "
              "email and a new deadline; otherwise the song stops at `lyrics_ready` (compose with `generate-audio`). 409 for "
              f"an instrumental song. Not idempotent: each call uses a rewrite. {_ANSWER}")
_start_action("generate-audio", service.generate_audio, "Compose the audio from the current lyrics, then deliver",
              "or no lyrics yet, or no compositions left",
              "The song's owner, with a verified email. The music is composed again from the current lyrics (your edit "
              "included), then the video is rendered for a video order and the song is delivered: one email with the links. "
              "Uses one of the song's new compositions (`MAX_AUDIO_REGENERATIONS`); refused with 409 while the lyrics wait "
              f"for approval. Not idempotent. {_ANSWER}")
_start_action("approve", approval.approve, "Approve the lyrics: the music is made from them, then the song is delivered",
              "or not awaiting approval: ordered without it, already approved, or the lyrics are being written",
              "The song's owner, with a verified email, for a song ordered with `approve_lyrics` whose `waiting_for` is "
              "`approval`. The run goes on from the music (then the video and the delivery email as planned). Without an "
              "answer the lyrics are approved for you at `approval_due_at`, and you are emailed that they were. Approving "
              f"twice gets 409. {_ANSWER}")
_start_action("generate-video", service.generate_video, "Render the video from your photos and the song, then deliver",
              "or not a video order, no audio, no photos",
              "The song's owner, with a verified email, for a video order whose song has audio and at least one photo "
              "(`POST /files/songs/{song_id}/images`). The video is rendered in the song's `video_format` from the photos "
              "and the selected take, then the song is delivered again, with the video's link, by email. "
              f"{_ANSWER}")


@blp.route("/<uuid:song_id>/takes/<uuid:take_id>/select", methods=["POST"])
@blp.doc(security=BEARER)
@login_required(verified=True)
@blp.response(200, schemas.SongSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No such song or take of yours")
@blp.alt_response(409, schema=ErrorSchema, description=BUSY)
def select_take(song_id: uuid.UUID, take_id: uuid.UUID):
    """Choose which take is delivered

    The song's owner, with a verified email. A composition may give more than one take (Suno makes two); this
    selects the one `audio_url`, the download and the gift page play. Idempotent: selecting the selected take again
    answers the same song. 409 while a step is running; 404 for a take of another song.
    """
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
    """Download the song's audio (MP3)

    The song's owner only. Answers 302 to a signed URL of the selected take, valid for `SIGNED_URL_SECONDS`; follow
    the redirect to download. 404 until the song has audio. Read-only.
    """
    return _redirect_to(service.audio_url(service.get_user_song(current_user, song_id)), "audio")


@blp.route("/<uuid:song_id>/video", methods=["GET"])
@blp.doc(security=BEARER)
@login_required()
@blp.response(302, description="Redirect to a signed, time-limited URL of the video")
@blp.alt_response(404, schema=ErrorSchema, description="No such song, or no video yet")
def download_video(song_id: uuid.UUID):
    """Download the song's video (MP4)

    The song's owner only, for a video order. Answers 302 to a signed URL of the rendered video, valid for
    `SIGNED_URL_SECONDS`. 404 until the video is rendered (upload photos, then `POST /songs/{song_id}/generate-
    video`). Read-only.
    """
    return _redirect_to(service.video_url(service.get_user_song(current_user, song_id)), "video")


CALLBACK_MAX_BYTES = 64 * 1024  # Suno's callbacks are a few KB


@blp.route("/callbacks/suno/<string:secret>", methods=["POST"])
@limit_from_config("RATELIMIT_CALLBACK")
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

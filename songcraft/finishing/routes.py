"""HTTP routes for a song's cover art and lyrics in time (the contract's Songs section)."""
from __future__ import annotations

import uuid

from flask import Response, redirect
from flask_jwt_extended import current_user

from songcraft.auth.access import BEARER, login_required
from songcraft.common.blueprint import Blueprint
from songcraft.common.schemas import ErrorSchema
from songcraft.finishing import service
from songcraft.finishing.service import LrcFile
from songcraft.songs.service import get_user_song

LRC_EXAMPLE = ("[ti:Umbrella Weather]\n[ar:SongCraft]\n[length:02:22]\n[re:SongCraft]\n[00:12.40]A yellow umbrella at a Lisbon stop\n"
               "[00:16.85]You missed your bus and the rain wouldn't stop\n[00:21.30]Aurelia, Aurelia, thirty and bright\n")

blp = Blueprint("song-files", __name__, url_prefix="/api/v1/songs", description="A finished song's cover art and lyrics in time")


def lrc_response(lrc: LrcFile) -> Response:
    """LRC as UTF-8 text; `X-Lyrics-Timings` says whether the timings were measured or estimated."""
    response = Response(lrc.text, mimetype="text/plain")
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{lrc.filename}"'
    response.headers["X-Lyrics-Timings"] = "estimated" if lrc.estimated else "measured"
    return response


@blp.route("/<uuid:song_id>/lyrics.lrc", methods=["GET"])
@blp.doc(security=BEARER)
@login_required()
@blp.response(200, {"type": "string", "example": LRC_EXAMPLE}, content_type="text/plain",
              description="`[mm:ss.xx]line` per sung line (UTF-8); the header "
              "`X-Lyrics-Timings` is `measured` or `estimated` (from syllable counts, when the provider gave no timings)")
@blp.alt_response(404, schema=ErrorSchema, description="No such song of yours, or nothing sung to time (no audio yet, instrumental)")
def lyrics_lrc(song_id: uuid.UUID):
    """The lyrics in time with the selected take, as LRC

    The song's owner only, once the song has audio and lyrics (404 before, and for an instrumental song). One
    `[mm:ss.xx]` line per sung line, for music players that show lyrics. Read-only.
    """
    return lrc_response(service.song_lrc(get_user_song(current_user, song_id)))


@blp.route("/<uuid:song_id>/cover", methods=["GET"])
@blp.doc(security=BEARER)
@login_required()
@blp.response(302, description="Redirect to a signed, time-limited URL of the cover (JPEG, 1600 x 1600)")
@blp.alt_response(404, schema=ErrorSchema, description="No such song of yours, or not finished yet")
def cover(song_id: uuid.UUID):
    """The song's cover art

    The song's owner only, once the song is finished (404 before). Answers 302 to a signed, time-limited URL of the
    1600 x 1600 JPEG cover: the first photo, or a designed cover in the mood's colours. Read-only.
    """
    return redirect(service.require_cover_url(get_user_song(current_user, song_id)), 302)

"""The public gift pages, under the share token: no login, server-rendered, every asset served here.

    GET  /listen/<token>             the page: cover, player, lyrics lit up in time, the buyer's message
    GET  /listen/<token>/lyrics.lrc  the lyrics in time (LRC)
    GET  /listen/<token>/media.json  fresh signed media URLs, so a page left open keeps playing
    GET  /listen/<token>/cover.jpg   the cover (a stable address for link previews' og:image)
    POST /listen/<token>/opened      the page's beacon: counts a view, tells the buyer the first time

Bots and link-preview fetchers only GET the HTML (and og:image); they do not run the page's
script, so they never send the beacon, and neither GETs nor HEADs count. The beacon is sent by
the script once the page is visible; user agents that announce themselves as bots, previewers,
HTTP libraries or headless browsers are not counted even if they run it.

Unknown, revoked and rotated tokens all get the same friendly HTML 404 page.
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request, send_file, url_for

from songcraft.auth.models import User
from songcraft.errors import NotFound
from songcraft.extensions import db, limiter
from songcraft.finishing.fonts import TEXT_FONT, TITLE_FONT
from songcraft.finishing.palettes import palette_for
from songcraft.finishing.routes import lrc_response
from songcraft.finishing.service import cover_url, has_cover, line_schedule, song_lrc
from songcraft.gifts import service
from songcraft.gifts.links import find_by_token
from songcraft.gifts.reveal import sender_name

bp = Blueprint("gift_pages", __name__, template_folder="templates", static_folder="static", static_url_path="/listen-assets")

BOT_AGENTS = re.compile(
    r"bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|whatsapp|telegram|skype|vkshare|pinterest|"
    r"curl|wget|python|httpx|okhttp|go-http|java/|headless|phantomjs|lighthouse", re.IGNORECASE)
PUBLIC_LIMIT = "60 per minute"  # per address, for the JSON and beacon endpoints a script might hammer
FONTS = {"title.ttf": TITLE_FONT, "text.ttf": TEXT_FONT}
_STATIC_ENDPOINTS = ("gift_pages.static", "gift_pages.font")


@bp.after_request
def _security_headers(response: Response) -> Response:
    """On top of the app's security headers (songcraft/security.py: CSP with the page's nonce, nosniff,
    no referrer, no framing): no indexing, no opener, and no caching of pages that carry signed URLs."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.endpoint not in _STATIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"  # signed URLs and the token inside
    return response


def _not_found() -> tuple[str, int]:
    return render_template("gifts/not_found.html"), 404


def _links(token: str) -> dict:
    base = f"{current_app.config['PUBLIC_URL']}/listen/{token}"
    return {"share_url": base, "cover_page_url": f"{base}/cover.jpg", "lrc_url": url_for(".lyrics", token=token),
            "media_url": url_for(".media", token=token), "opened_url": url_for(".opened", token=token)}


@bp.get("/listen/<token>")
def listen(token: str):
    gift = find_by_token(token)
    if gift is None:
        return _not_found()
    song = gift.song
    context = {"gift": gift, "song": song, "palette": palette_for(song.mood),
               "sender": sender_name(db.session.get(User, song.user_id)), "has_cover": has_cover(song), **_links(token)}
    if not service.is_revealed(gift):
        return render_template("gifts/waiting.html", **context)
    timed = line_schedule(song, song.selected_take)
    return render_template("gifts/listen.html", media=service.media_urls(song), lines=timed.lines, estimated=timed.estimated,
                           **context)


@bp.get("/listen/<token>/lyrics.lrc")
def lyrics(token: str):
    gift = find_by_token(token)
    if gift is None or not service.is_revealed(gift):
        return _not_found()
    try:
        return lrc_response(song_lrc(gift.song))
    except NotFound:
        return _not_found()


@bp.get("/listen/<token>/media.json")
@limiter.limit(PUBLIC_LIMIT)
def media(token: str):
    gift = find_by_token(token)
    if gift is None or not service.is_revealed(gift):
        raise NotFound("This gift link is not valid, or the song is not revealed yet.")
    return jsonify(service.media_urls(gift.song))


@bp.get("/listen/<token>/cover.jpg")
def cover(token: str):
    gift = find_by_token(token)
    url = cover_url(gift.song) if gift is not None else None
    return redirect(url, 302) if url else _not_found()


@bp.post("/listen/<token>/opened")
@limiter.limit(PUBLIC_LIMIT)
def opened(token: str):
    gift = find_by_token(token)
    if gift is not None and service.is_revealed(gift) and not BOT_AGENTS.search(request.user_agent.string or "bot"):
        service.record_open(gift.id)
    return "", 204


@bp.get("/listen-fonts/<name>")
def font(name: str):
    if name not in FONTS:
        return _not_found()
    return send_file(FONTS[name], mimetype="font/ttf", max_age=7 * 86400)


@bp.get("/listen/<path:anything>")
def unknown(anything: str):
    return _not_found()

"""The pages behind the links in emails, served by the app itself: without `FRONTEND_URL` the emails
link here (`PUBLIC_URL`), so every link works in a browser with no frontend running.

    GET  /verify-email?token=…     confirms the address (again: says it is verified); a bad or expired link offers a new one
    POST /verify-email/resend      sends a new verification link (same answer whoever asks)
    GET  /reset-password?token=…   the new-password form, or why the link no longer works
    POST /reset-password           sets the password (every session is logged out)
    GET  /forgot-password          asks for a reset link (POST sends it; same answer whoever asks)
    GET  /login, /orders/<id>, /songs, /songs/<id>
                                   the shop's own pages, which a frontend would serve: here a page
                                   that says so and points at the API

They call the same services as the API (songcraft/auth/service.py), and answer errors as HTML
pages, never the API's JSON. Forms carry no session: the signed token in the form is the proof.
"""
from __future__ import annotations

import logging
import uuid

from flask import Blueprint, Response, current_app, render_template, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, TooManyRequests

from songcraft.auth import schemas, service, tokens
from songcraft.errors import BadRequest
from songcraft.extensions import limit_from_config

log = logging.getLogger(__name__)
bp = Blueprint("account_pages", __name__, template_folder="templates", static_folder="static",
               static_url_path="/account-assets")

SENT = "If an account exists for {email}, an email is on its way. It may take a minute; check the spam folder too."


def _page(template: str, status: int = 200, **context) -> tuple[str, int]:
    return render_template(f"account/{template}.html", **context), status


@bp.after_request
def _private(response: Response) -> Response:
    """The token is in the URL: nothing here is cached or indexed (the app adds CSP and no-referrer)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    """A person reads these pages: errors are pages too (the API's JSON shape is for programs)."""
    if isinstance(error, TooManyRequests):
        return _page("message", 429, title="Please wait a minute",
                     text="That was a lot of requests in a short time. Wait a minute, then try again.")
    return _page("message", error.code or 500, title="That did not work", text=error.description)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    log.exception("unhandled error on an account page")
    return _page("message", 500, title="Something went wrong on our side",
                 text="The error was logged. Please try again in a few minutes.")


@bp.get("/verify-email")
def verify_email():
    token = request.args.get("token", "")
    try:
        user = service.verify_email(token)
    except BadRequest as error:
        already = tokens.verified_by(token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
        if already is not None:
            return _page("verified", email=already.email, already=True)
        return _page("verify_failed", 400, reason=error.message)
    return _page("verified", email=user.email)


@bp.post("/verify-email/resend")
@limit_from_config("RATELIMIT_EMAIL")
def resend_verification():
    email = _email_from_form()
    if email is None:
        return _page("verify_failed", 422, reason="The verification link did not work.",
                     email_error="Enter the email address you registered with.")
    service.resend_verification(email)
    return _page("message", title="Check your inbox", text=SENT.format(email=email))


@bp.get("/reset-password")
def reset_password_form():
    token = request.args.get("token", "")
    try:
        tokens.read_email_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])
    except BadRequest as error:
        return _page("reset_failed", 400, reason=error.message)
    return _page("reset", token=token)


@bp.post("/reset-password")
def reset_password():
    form = {"token": request.form.get("token", ""), "password": request.form.get("password", "")}
    try:
        data = schemas.PasswordResetSchema().load(form)
    except ValidationError as error:
        messages = error.normalized_messages()
        if "token" in messages:
            return _page("reset_failed", 400, reason="This link is invalid.")
        return _page("reset", 422, token=form["token"], error=" ".join(messages["password"]))
    if request.form.get("confirm", "") != data["password"]:
        return _page("reset", 422, token=form["token"], error="The two passwords are not the same.")
    try:
        user = service.reset_password(data["token"], data["password"])
    except BadRequest as error:
        return _page("reset_failed", 400, reason=error.message)
    return _page("message", title="Your password was changed",
                 text=f"Log in as {user.email} with your new password. Every session that was open was logged out.")


@bp.get("/forgot-password")
def forgot_password_form():
    return _page("forgot")


@bp.post("/forgot-password")
@limit_from_config("RATELIMIT_EMAIL")
def forgot_password():
    email = _email_from_form()
    if email is None:
        return _page("forgot", 422, email_error="Enter the email address of your account.")
    service.forgot_password(email)
    return _page("message", title="Check your inbox", text=SENT.format(email=email))


def _email_from_form() -> str | None:
    try:
        return schemas.EmailSchema().load({"email": request.form.get("email", "")})["email"]
    except ValidationError:
        return None


@bp.get("/login")
@bp.get("/songs")
@bp.get("/songs/<uuid:song_id>")
@bp.get("/orders/<uuid:order_id>")
def no_frontend(song_id: uuid.UUID | None = None, order_id: uuid.UUID | None = None):
    return _page("no_frontend", song_id=song_id, order_id=order_id)

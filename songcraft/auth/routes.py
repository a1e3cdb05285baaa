"""HTTP routes for accounts and authentication (the contract's Auth section)."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt

from songcraft.auth import schemas, service
from songcraft.auth.access import BEARER, login_required, token_family
from songcraft.common.blueprint import Blueprint
from songcraft.common.schemas import ErrorSchema, MessageSchema
from songcraft.extensions import limit_from_config

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and authentication")


@blp.route("/register")
class Register(MethodView):
    decorators = [limit_from_config("RATELIMIT_REGISTER")]

    @blp.arguments(schemas.RegisterSchema)
    @blp.response(201, schemas.UserSchema, description="The new account; an email that already has one gets the same answer "
                  "(no account is created, its owner is emailed instead), so this endpoint does not tell who has an account")
    def post(self, data):
        """Create an account and email a verification link

        Public, rate-limited per address (`RATELIMIT_REGISTER`). Creates an unverified customer account and
        emails a link to `/verify-email`; logging in waits for that verification. The password is 8 to 128
        characters.

        An email that already has an account gets the same 201, but no account is created: its owner is emailed
        instead (at most once an hour), so this endpoint does not tell who has an account. Not idempotent for
        new emails.
        """
        return service.register(data["email"], data["password"], data.get("full_name"))


@blp.route("/verify-email/<string:token>")
class VerifyEmail(MethodView):
    @blp.response(200, schemas.VerifiedSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Bad, expired or used token")
    def get(self, token):
        """Confirm an email address with the token from the verification email

        Public: the signed token in the link is the proof. Marks the account verified and answers with it. Each
        token works once and expires; an unknown, expired or used token is 400 (`POST /auth/resend-verification`
        sends a fresh link).
        """
        return {"message": "Your email address is verified.", "user": service.verify_email(token)}


@blp.route("/resend-verification")
class ResendVerification(MethodView):
    decorators = [limit_from_config("RATELIMIT_EMAIL")]

    @blp.arguments(schemas.EmailSchema)
    @blp.response(202, MessageSchema)
    def post(self, data):
        """Send the verification email again (the answer is the same whether or not the account exists)

        Public, rate-limited per address (`RATELIMIT_EMAIL`). Emails a fresh verification link if an unverified
        account has this address; otherwise nothing is sent. The answer is the same 202 either way, so it tells
        nobody which addresses have accounts.
        """
        service.resend_verification(data["email"])
        return {"message": "If an unverified account exists for this email, a new link is on its way."}


@blp.route("/login")
class Login(MethodView):
    decorators = [limit_from_config("RATELIMIT_LOGIN")]

    @blp.arguments(schemas.LoginSchema)
    @blp.response(200, schemas.LoginResponseSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Wrong email or password")
    @blp.alt_response(403, schema=ErrorSchema, description="Email not verified or account deactivated")
    def post(self, data):
        """Log in and receive an access token and a refresh token

        Public, rate-limited per address (`RATELIMIT_LOGIN`). Send the access token as `Authorization: Bearer
        <token>` (it lives 15 minutes); exchange the refresh token at `POST /auth/refresh` for a new pair (it
        lives 30 days and is rotated on each use). Each login starts a token family that `POST /auth/logout`
        revokes. A wrong email and a wrong password get the same 401; an unverified or deactivated account gets
        403.
        """
        user, pair = service.login(data["email"], data["password"])
        return {**vars(pair), "token_type": "Bearer", "user": user}


@blp.route("/refresh")
class Refresh(MethodView):
    @blp.doc(security=BEARER, description="Send the refresh token as the Bearer token.")
    @login_required(refresh=True)
    @blp.response(200, schemas.TokenPairSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Missing, revoked or reused refresh token")
    def post(self):
        """Exchange a refresh token for a new pair (the old refresh token stops working)"""
        pair = service.refresh(current_user, get_jwt())
        return {**vars(pair), "token_type": "Bearer"}


@blp.route("/logout")
class Logout(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(204)
    def post(self):
        """Log out: revoke this login's access and refresh tokens

        Any logged-in user. Revokes the token family of this login: its access token stops working at once, its
        refresh token too. Other logins (other devices) stay logged in. Calling it again with the revoked token
        gets 401.
        """
        service.logout(get_jwt())


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.UserSchema)
    def get(self):
        """The logged-in user

        Any logged-in user: the account behind the access token, as it is in the database now.
        Read-only.
        """
        return current_user

    @blp.doc(security=BEARER)
    @login_required()
    @blp.arguments(schemas.ProfileUpdateSchema)
    @blp.response(200, schemas.UserSchema)
    def patch(self, data):
        """Update the logged-in user's profile

        Any logged-in user. Sets `full_name` (one line, 1 to 120 characters; `null` clears it), the name the
        emails greet you with and the gift page signs your message with. Idempotent.
        """
        return service.update_profile(current_user, data["full_name"])


@blp.route("/password/forgot")
class ForgotPassword(MethodView):
    decorators = [limit_from_config("RATELIMIT_EMAIL")]

    @blp.arguments(schemas.EmailSchema)
    @blp.response(202, MessageSchema)
    def post(self, data):
        """Email a password reset link (the answer is the same whether or not the account exists)

        Public, rate-limited per address (`RATELIMIT_EMAIL`). Emails a link to `/reset-password` if an account
        has this address; otherwise nothing is sent. The answer is the same 202 either way. The link works once
        and expires.
        """
        service.forgot_password(data["email"])
        return {"message": "If an account exists for this email, a reset link is on its way."}


@blp.route("/password/reset")
class ResetPassword(MethodView):
    @blp.arguments(schemas.PasswordResetSchema)
    @blp.response(200, MessageSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Bad, expired or used token")
    def post(self, data):
        """Set a new password with the token from the reset email (logs out every session)

        Public: the signed token from the reset email is the proof. Sets the new password (8 to 128 characters)
        and revokes every login of the account, so every device logs in again. Each token works once; an
        unknown, expired or used token is 400.
        """
        service.reset_password(data["token"], data["password"])
        return {"message": "Your password was changed. Please log in again."}


@blp.route("/password/change")
class ChangePassword(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.arguments(schemas.PasswordChangeSchema)
    @blp.response(200, MessageSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Not logged in, or wrong current password")
    def post(self, data):
        """Change the password (logs out every other session)

        Any logged-in user, who gives the current password (a wrong one is 401). Sets the new password (8 to 128
        characters) and revokes every other login of the account; this one stays logged in.
        """
        service.change_password(current_user, data["current_password"], data["new_password"], token_family())
        return {"message": "Your password was changed. Other sessions were logged out."}

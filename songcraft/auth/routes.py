"""HTTP routes for accounts and authentication (the contract's Auth section)."""
from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt

from songcraft.auth import schemas, service
from songcraft.auth.access import BEARER, login_required, token_family
from songcraft.common.blueprint import Blueprint
from songcraft.common.schemas import ErrorSchema, MessageSchema
from songcraft.extensions import limiter

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Accounts and authentication")


def _limit(setting: str):
    return limiter.limit(lambda: current_app.config[setting])


@blp.route("/register")
class Register(MethodView):
    decorators = [_limit("RATELIMIT_REGISTER")]

    @blp.arguments(schemas.RegisterSchema)
    @blp.response(201, schemas.UserSchema, description="The new account; an email that already has one gets the same answer "
                  "(no account is created, its owner is emailed instead), so this endpoint does not tell who has an account")
    def post(self, data):
        """Create an account and email a verification link"""
        return service.register(data["email"], data["password"], data.get("full_name"))


@blp.route("/verify-email/<string:token>")
class VerifyEmail(MethodView):
    @blp.response(200, schemas.VerifiedSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Bad, expired or used token")
    def get(self, token):
        """Confirm an email address with the token from the verification email"""
        return {"message": "Your email address is verified.", "user": service.verify_email(token)}


@blp.route("/resend-verification")
class ResendVerification(MethodView):
    decorators = [_limit("RATELIMIT_EMAIL")]

    @blp.arguments(schemas.EmailSchema)
    @blp.response(202, MessageSchema)
    def post(self, data):
        """Send the verification email again (the answer is the same whether or not the account exists)"""
        service.resend_verification(data["email"])
        return {"message": "If an unverified account exists for this email, a new link is on its way."}


@blp.route("/login")
class Login(MethodView):
    decorators = [_limit("RATELIMIT_LOGIN")]

    @blp.arguments(schemas.LoginSchema)
    @blp.response(200, schemas.LoginResponseSchema)
    @blp.alt_response(401, schema=ErrorSchema, description="Wrong email or password")
    @blp.alt_response(403, schema=ErrorSchema, description="Email not verified or account deactivated")
    def post(self, data):
        """Log in and receive an access token and a refresh token"""
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
        """Log out: revoke this login's access and refresh tokens"""
        service.logout(get_jwt())


@blp.route("/me")
class Me(MethodView):
    @blp.doc(security=BEARER)
    @login_required()
    @blp.response(200, schemas.UserSchema)
    def get(self):
        """The logged-in user"""
        return current_user

    @blp.doc(security=BEARER)
    @login_required()
    @blp.arguments(schemas.ProfileUpdateSchema)
    @blp.response(200, schemas.UserSchema)
    def patch(self, data):
        """Update the logged-in user's profile"""
        return service.update_profile(current_user, data["full_name"])


@blp.route("/password/forgot")
class ForgotPassword(MethodView):
    decorators = [_limit("RATELIMIT_EMAIL")]

    @blp.arguments(schemas.EmailSchema)
    @blp.response(202, MessageSchema)
    def post(self, data):
        """Email a password reset link (the answer is the same whether or not the account exists)"""
        service.forgot_password(data["email"])
        return {"message": "If an account exists for this email, a reset link is on its way."}


@blp.route("/password/reset")
class ResetPassword(MethodView):
    @blp.arguments(schemas.PasswordResetSchema)
    @blp.response(200, MessageSchema)
    @blp.alt_response(400, schema=ErrorSchema, description="Bad, expired or used token")
    def post(self, data):
        """Set a new password with the token from the reset email (logs out every session)"""
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
        """Change the password (logs out every other session)"""
        service.change_password(current_user, data["current_password"], data["new_password"], token_family())
        return {"message": "Your password was changed. Other sessions were logged out."}

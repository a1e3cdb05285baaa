"""The composition root: builds the configured providers into `app.extensions`.

Adding a vendor is one new module and one line here.
"""
from __future__ import annotations

from flask import Flask

from songcraft.extensions import mail
from songcraft.providers.email import ConsoleSender, SmtpSender


def _email_sender(app: Flask):
    if app.config["EMAIL_PROVIDER"] == "smtp":
        return SmtpSender(mail, app.config["MAIL_DEFAULT_SENDER"])
    return ConsoleSender()


def init_providers(app: Flask) -> None:
    app.extensions["email_sender"] = _email_sender(app)

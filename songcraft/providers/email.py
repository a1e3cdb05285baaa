"""Email senders: SMTP through flask-mail, or the console (the log) when no SMTP server is set."""
from __future__ import annotations

import logging
from typing import Protocol

from flask_mail import Message

log = logging.getLogger(__name__)


class EmailSender(Protocol):
    name: str

    def send(self, *, to: str, subject: str, text: str, html: str) -> None: ...


class SmtpSender:
    name = "smtp"

    def __init__(self, mail, default_sender: str):
        self.mail = mail
        self.default_sender = default_sender

    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        message = Message(subject=subject, recipients=[to], body=text, html=html, sender=self.default_sender)
        self.mail.send(message)


class ConsoleSender:
    """Writes the email to the log, so links (verification, reset) can be followed in development."""

    name = "console"

    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        log.info("email (console sender)", extra={"to": to, "subject": subject, "body": text})

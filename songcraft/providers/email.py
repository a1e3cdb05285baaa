"""Email senders: SMTP through flask-mail, or the console (the log) when no SMTP server is set."""
from __future__ import annotations

import logging
import re
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
    """Prints each email to the log as a block a person can read, the links on lines of their own,
    so a developer can follow the verification and reset links without an SMTP server."""

    name = "console"

    def send(self, *, to: str, subject: str, text: str, html: str) -> None:
        log.info(readable_email(to, subject, text))


_LINK = re.compile(r"https?://[^\s<>\"']+")


def readable_email(to: str, subject: str, text: str) -> str:
    links = list(dict.fromkeys(link.rstrip(".,;:)") for link in _LINK.findall(text)))
    lines = ["email (console sender; set SMTP_HOST to send real email)", f"  To:      {to}", f"  Subject: {subject}", ""]
    lines += [f"  {line}".rstrip() for line in text.strip().splitlines()]
    if links:
        lines += ["", "  Links:"] + [f"    {link}" for link in links]
    return "\n".join(lines)

"""Events of an email's life that other features react to, without notifications importing them.

Receivers run inside the sender's transaction (the sender commits).
"""
from blinker import Namespace

_signals = Namespace()

# Sent with the OutboxEmail (locked) when its last attempt has failed: nobody will try again.
email_undeliverable = _signals.signal("email-undeliverable")

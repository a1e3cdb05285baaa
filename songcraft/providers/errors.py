"""Errors every provider raises, so tasks can tell a retry from a give-up."""


class ProviderError(Exception):
    """The outside service refused or failed for good: retrying will not help.

    The message is shown to the customer as the song's ``error``, so it must be
    human readable and must never carry a secret.
    """


class TransientProviderError(ProviderError):
    """A passing failure (timeout, 429, 5xx, connection reset): retry with backoff."""

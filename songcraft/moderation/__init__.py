"""Content safety: every free text a customer gives is checked before anything is stored or made."""

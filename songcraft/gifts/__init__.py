"""Gifts: a private share page for the song, revealed to its recipient at the time the buyer chose."""

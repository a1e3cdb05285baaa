"""Events of a song's life that other features react to, without songs importing them.

Receivers run inside the sender's transaction (the caller commits), so what they add (an
outbox email, a scheduled task) lands together with the song's move, or not at all.
"""
from blinker import Namespace

_signals = Namespace()

# Sent with the Song (locked, in the deliver step's transaction) when the song is complete: its
# files are final and the customer is told. Sent again when a later run completes it again.
song_completed = _signals.signal("song-completed")

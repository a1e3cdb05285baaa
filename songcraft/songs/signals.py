"""Events of a song's life that other features react to, without songs importing them.

Receivers run inside the sender's transaction (the caller commits), so their changes land
together with the song's, or not at all.
"""
from blinker import Namespace

_signals = Namespace()

# Sent with the Song (locked, in the deliver step's transaction) once it is completed.
song_completed = _signals.signal("song-completed")

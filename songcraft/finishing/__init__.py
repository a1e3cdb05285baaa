"""The finishing touches every completed song gets: cover art, lyrics in time (LRC), and tagged files.

The rendering and tagging are pure functions over bytes and paths (`cover`, `tags`, `timings`,
`lrc`); `service.finish_song_files` is the one place that reads the song, works with no
transaction open, and stores the results.
"""

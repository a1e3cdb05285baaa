"""The finishing touches every completed song gets: cover art, lyrics in time (LRC), and tagged files.

The rendering and tagging are pure functions over bytes and paths (`cover`, `tags`, `timings`,
`lrc`); `service` reads the song, works with no transaction open and stores the results, in the
three moves of the pipeline's deliver step.
"""

"""The synthesizer engine: every line sung on its schedule, names sung whole, voices and languages."""
from __future__ import annotations

import re
import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

import songcraft.engines.synth.voice as voice_module
from songcraft.engines.synth import VOCAL_STYLES, default_vocal_style, plan_song, render_song
from songcraft.engines.synth.encode import block_powers, gated_loudness, loudness
from songcraft.engines.synth.espeak import LANGUAGE_FILES, Voice, speak_word
from songcraft.engines.synth.form import MAX_SECONDS, MIN_SECONDS
from songcraft.engines.synth.singers import singers_for
from songcraft.engines.synth.styles import GENRES, MOODS
from songcraft.engines.synth.syllables import Diction, words_of
from songcraft.engines.synth.voice import render_vocals
from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.errors import ProviderError
from songcraft.providers.lyrics.base import Lyrics

RATE = 44100
LYRICS = """[Verse 1]
Aurelia wakes up to the morning light
Coffee in her hand and the city bright

[Chorus]
Happy birthday, Aurelia, sing it loud tonight
Everything we are is shining bright
"""
SAMPLES = {  # one line per language the synthesizer sings
    "en": "We sing for you tonight", "es": "Feliz cumpleaños, corazón", "fr": "Joyeux anniversaire, mon amour",
    "de": "Alles Gute zum Geburtstag", "it": "Tanti auguri, amore mio", "pt": "Parabéns, meu coração",
    "uk": "З днем народження, кохана",
}


def request(text: str | None = LYRICS, genre: str = "pop", mood: str = "joyful", **extra) -> AudioRequest:
    lyrics = Lyrics.from_text("Song", text) if text else None
    extra.setdefault("recipient_name", "Aurelia")
    return AudioRequest(title="Song", lyrics=lyrics, genre=genre, mood=mood, **extra)


def lyrics_with(lines: int) -> str:
    sung = [line for line in LYRICS.splitlines() if line and not line.startswith("[")]
    return "[Verse]\n" + "\n".join(sung[i % len(sung)] for i in range(lines))


def f0(segment: np.ndarray) -> float:
    """Autocorrelation pitch of a voiced segment (0 when too weak or unvoiced)."""
    segment = segment - segment.mean()
    if np.sqrt(np.mean(segment**2)) < 0.01:
        return 0.0
    correlation = np.fft.irfft(np.abs(np.fft.rfft(segment, 2 * len(segment))) ** 2)[: len(segment)]
    shortest, longest = RATE // 1000, RATE // 70
    lag = shortest + int(np.argmax(correlation[shortest:longest]))
    return RATE / lag if correlation[lag] > 0.3 * correlation[0] else 0.0


def median_f0(vocals: np.ndarray) -> float:
    frame = int(0.04 * RATE)
    pitches = [f0(vocals[start : start + frame]) for start in range(0, len(vocals) - frame, frame)]
    return float(np.median([p for p in pitches if p]))


@pytest.fixture(scope="module")
def song():
    return render_song(request(seed=3))


def test_every_line_is_timed_in_order_within_the_song(song):
    texts = [t.text for t in song.lines]

    assert texts == Lyrics.from_text("Song", LYRICS).lines
    assert [t.section for t in song.lines] == ["Verse 1", "Verse 1", "Chorus", "Chorus"]
    for timing, following in zip(song.lines, song.lines[1:]):
        assert timing.start_seconds < timing.end_seconds <= following.start_seconds
    assert 0 < song.lines[0].start_seconds and song.lines[-1].end_seconds < song.duration_seconds


def test_line_timings_match_the_note_schedule(song):
    plan = plan_song(request(seed=3))
    for index, timing in enumerate(song.lines):
        notes = [n for n in plan.melody if n.line == index]
        first, last = notes[0], notes[-1]
        assert timing.start_seconds == pytest.approx(float(plan.seconds(first.start_beat)), abs=0.05)
        assert timing.end_seconds == pytest.approx(float(plan.seconds(last.start_beat + last.beats)), abs=0.05)
        assert " ".join(n.word for n in notes if n.syllable == 0) == " ".join(w.text for w in words_of(timing.text))


def test_the_voice_sings_inside_each_line_timing(song):
    plan = plan_song(request(seed=3))
    vocals = render_vocals(plan, RATE)
    for timing in song.lines:
        inside = vocals[int(timing.start_seconds * RATE) : int(timing.end_seconds * RATE)]
        assert np.sqrt(np.mean(inside**2)) > 0.02
    silence_after_last_line = vocals[int((song.lines[-1].end_seconds + 0.3) * RATE) :]
    assert np.abs(silence_after_last_line).max() < 0.01


def test_same_request_renders_the_same_bytes(song):
    assert render_song(request(seed=3)).mp3 == song.mp3


def test_no_line_is_dropped_and_the_length_follows_the_lyrics():
    counts = (2, 16, 32, 48)
    plans = [plan_song(request(lyrics_with(n))) for n in counts]
    durations = [plan.duration_seconds for plan in plans]

    assert durations == sorted(durations)
    assert durations[0] == pytest.approx(MIN_SECONDS, abs=3)
    assert MIN_SECONDS <= min(durations) and max(durations) <= MAX_SECONDS
    assert durations[-1] > 180  # longer than the old three-minute cap rather than dropping lines
    for plan, count in zip(plans, counts):
        assert len(plan.line_timings()) == count
        assert {n.line for n in plan.melody} == set(range(count))


def test_long_lyrics_in_a_slow_genre_are_sung_faster_rather_than_refused():
    plan = plan_song(request(lyrics_with(40), genre="ballad"))

    assert len(plan.line_timings()) == 40 and plan.duration_seconds <= MAX_SECONDS


def test_lyrics_that_cannot_fit_four_minutes_are_refused_not_cut():
    with pytest.raises(ProviderError, match="too long"):
        plan_song(request(lyrics_with(120), genre="ballad"))


def test_unknown_words_are_counted_from_espeak_phonemes():
    counts = {w.text: w.syllables for w in words_of("Aurelia Priya Siobhan Zorbulon 42 wakes")}

    assert counts == {"Aurelia": 4, "Priya": 2, "Siobhan": 2, "Zorbulon": 3, "42": 3, "wakes": 1}


def test_a_given_pronunciation_is_sung_from_its_syllables():
    diction = Diction("en", "Aurelia", "ow-REL-ya")
    (name,) = words_of("Aurelia", diction)
    plan = plan_song(request(name_pronunciation="ow-REL-ya"))

    assert name.name and name.stresses == (False, True, False)
    assert name.says.startswith("[[") and "'E" in name.says
    assert [n.says for n in plan.melody if n.word == "Aurelia"][0] == name.says
    assert sum(1 for n in plan.melody if n.word == "Aurelia" and n.syllable == 0) == 2
    spoken = speak_word(name.says, Voice("en", "", 50))
    assert [p for p, _ in spoken.phonemes][:3] == ["oU", "r", "'E"]


def test_the_name_s_stressed_syllable_is_a_long_note_on_a_strong_beat():
    for genre in ("pop", "rap", "ballad", "jazz"):
        plan = plan_song(request(genre=genre))
        stressed = [n for n in plan.melody if n.word == "Aurelia" and n.syllable == 0]  # AW-ri-lie-uh
        assert len(stressed) == 2
        for note in stressed:
            assert note.start_beat % 2 == 0, genre  # beat 1 or 3 of the bar
            line = [n for n in plan.melody if n.line == note.line]
            ordinary = [n.beats for n in line[:-1] if n is not note]
            assert note.held and note.beats >= max(ordinary) and note.beats >= 2 * min(ordinary), genre
            assert len([n for n in line if n.word == "Aurelia"]) == 4


@pytest.mark.parametrize("style", VOCAL_STYLES)
def test_each_vocal_style_sings_in_its_range(style):
    plan = plan_song(request(vocal_style=style))
    vocals = render_vocals(plan, RATE)

    if style == "duet":
        first, second = plan.line_timings()[0], plan.line_timings()[1]
        lines = [median_f0(vocals[int(t.start_seconds * RATE) : int(t.end_seconds * RATE)]) for t in (first, second)]
        assert 180 < lines[0] < 500 and 80 < lines[1] < 230 and lines[0] > 1.5 * lines[1]
        assert [n.singer for n in plan.melody if n.syllable == 0 and n.word][:2] == [0, 0]
        assert {n.line % 2 for n in plan.melody if n.singer == 1} == {1}
    else:
        low, high = (180, 500) if style == "female" else (80, 230)
        assert low < median_f0(vocals) < high


def test_genres_choose_a_default_voice():
    assert default_vocal_style("rap") == "male" and default_vocal_style("ballad") == "female"
    assert default_vocal_style("polka") in VOCAL_STYLES
    assert singers_for(None, "rock") == singers_for("male", "pop")


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_each_language_is_sung_with_its_espeak_voice(language, monkeypatch):
    spoken_with: list[Voice] = []

    def spy(text, voice):
        spoken_with.append(voice)
        return speak_word(text, voice)

    monkeypatch.setattr(voice_module, "speak_word", spy)
    plan = plan_song(request(f"[Verse]\n{SAMPLES[language]}", language=language, recipient_name=""))
    vocals = render_vocals(plan, RATE)

    assert spoken_with and {v.language for v in spoken_with} == {language}
    assert LANGUAGE_FILES[language].endswith(language if language != "en" else "en-US")
    assert np.sqrt(np.mean(vocals**2)) > 0.005
    native = [p for p, _ in speak_word(SAMPLES[language].split()[-1].strip(","), Voice(language, "", 50)).phonemes]
    english = [p for p, _ in speak_word(SAMPLES[language].split()[-1].strip(","), Voice("en", "", 50)).phonemes]
    assert language == "en" or native != english


def test_genres_set_tempo_and_moods_set_the_scale():
    tempos = {genre: plan_song(request(genre=genre)).bpm for genre in GENRES}

    assert tempos["ballad"] < tempos["pop"] < tempos["rock"]
    assert tempos["lo-fi"] < tempos["electropop"]
    assert len(set(tempos.values())) >= 6
    for mood in MOODS:
        assert plan_song(request(mood=mood)).scale.steps[2] == (3 if MOODS[mood].mode in ("minor", "dorian") else 4)


def decoded(mp3: bytes) -> np.ndarray:
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", "pipe:0", "-f", "f32le", "-ac", "2", "pipe:1"]
    pcm = subprocess.run(command, input=mp3, capture_output=True, check=True).stdout
    return np.frombuffer(pcm, np.float32).reshape(-1, 2).T.copy()


def test_loudness_is_measured_as_ebur128_measures_it(song):
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostats", "-i", "pipe:0", "-af", "ebur128=peak=true", "-f", "null", "-"]
    log = subprocess.run(command, input=song.mp3, capture_output=True, check=True).stderr.decode()
    summary = log[log.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s*(-?[\d.]+) LUFS", summary).group(1))
    true_peak = float(re.search(r"Peak:\s*(-?[\d.]+) dBFS", summary).group(1))

    assert -15 <= integrated <= -13 and true_peak <= -1.0
    assert loudness(decoded(song.mp3), RATE) == pytest.approx(integrated, abs=0.3)


def test_choruses_are_lifted_over_verses():
    """On a whole song as the composer writes it (verses of several lines, three choruses)."""
    text = "\n\n".join(f"[{label}]\n" + "\n".join(lines) for label, lines in (
        ("Verse 1", ("We met in Lisbon in 2015", "At a tiny jazz bar", "You love your dog Biscuit", "And you bake the best cake")),
        ("Chorus", ("Happy birthday, Aurelia", "One more year of being you", "May every birthday wish come true", "We love you, Aurelia")),
        ("Verse 2", ("Your laugh lights up every room", "Every word of it is true", "You walk the dog", "And that is us")),
        ("Chorus", ("Happy birthday, Aurelia", "One more year of being you", "May every birthday wish come true", "We love you, Aurelia")),
    ))
    song = render_song(request(text))
    stereo = decoded(song.mp3)

    def level(kind: str) -> float:
        spans = [(int(s.start_seconds * RATE), int(s.end_seconds * RATE)) for s in song.sections if s.label.startswith(kind)]
        return gated_loudness(np.concatenate([block_powers(stereo[:, a:b], RATE) for a, b in spans]))

    assert 2.0 <= level("Chorus") - level("Verse") <= 3.0


def test_instrumental_needs_no_lyrics():
    instrumental = render_song(request(None, genre="jazz", mood="romantic", instrumental=True))

    assert instrumental.sections == () and instrumental.lines == ()
    assert MIN_SECONDS <= instrumental.duration_seconds <= MAX_SECONDS

"""The offline synthesizer renders a real, sung song: checked by parsing and decoding its MP3."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.audio.local import LocalAudioProvider, render_stems
from songcraft.providers.audio.synth_arrangement import MAX_SECONDS, MIN_SECONDS, plan_song
from songcraft.providers.audio.synth_styles import GENRES, MOODS
from songcraft.providers.audio.synth_syllables import estimate_syllables, words_of
from songcraft.providers.errors import ProviderError
from songcraft.providers.lyrics.base import Lyrics

SAMPLE_RATE = 44100
SHORT_LYRICS = """[Verse 1]
Anya wakes up to the morning light
Coffee in her hand and the city bright

[Chorus]
Happy birthday, sing it loud tonight
Everything we are is shining bright
"""
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)


def song_request(text: str | None = SHORT_LYRICS, genre: str = "pop", mood: str = "joyful", **extra) -> AudioRequest:
    lyrics = Lyrics.from_text("Anya", text) if text else None
    return AudioRequest(title="Anya", lyrics=lyrics, genre=genre, mood=mood, **extra)


def lyrics_with(lines: int) -> str:
    sung = [line for line in SHORT_LYRICS.splitlines() if line and not line.startswith("[")]
    return "[Verse]\n" + "\n".join(sung[i % len(sung)] for i in range(lines))


def render(request: AudioRequest, progress=None):
    provider = LocalAudioProvider()
    takes = provider.wait(provider.submit(request), request, progress)
    assert len(takes) == 1
    return takes[0]


def mp3_frames(data: bytes) -> list[tuple[int, int]]:
    """(offset, sample rate) of each MPEG-1 Layer III frame, walking frame to frame from the first sync."""
    frames, offset = [], data.find(b"\xff\xfb")
    while offset >= 0 and offset + 4 <= len(data):
        header = int.from_bytes(data[offset : offset + 4], "big")
        if header >> 21 != 0x7FF or (header >> 17) & 0xF != 0b1101:  # sync, MPEG-1, Layer III
            break
        bitrate = _BITRATES[(header >> 12) & 0xF] * 1000
        rate = _RATES[(header >> 10) & 0x3]
        frames.append((offset, rate))
        offset += 144 * bitrate // rate + ((header >> 9) & 1)
    return frames


def decode(data: bytes) -> np.ndarray:
    """The MP3 decoded by ffmpeg to float stereo samples in -1..1."""
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", "pipe:0", "-f", "s16le", "-ac", "2", "pipe:1"]
    pcm = subprocess.run(command, input=data, capture_output=True, check=True).stdout
    return np.frombuffer(pcm, np.int16).reshape(-1, 2) / 32768.0


@pytest.fixture(scope="module")
def progress_seen() -> list[int]:
    return []


@pytest.fixture(scope="module")
def take(progress_seen):
    return render(song_request(seed=3), progress_seen.append)


def test_take_is_a_whole_mp3_of_the_stated_duration(take):
    frames = mp3_frames(take.data)

    assert take.content_type == "audio/mpeg"
    assert frames and frames[0][0] == 0
    assert frames[-1][0] + 4 <= len(take.data)
    mp3_seconds = len(frames) * 1152 / frames[0][1]
    assert take.duration_seconds == pytest.approx(mp3_seconds, abs=0.2)
    assert MIN_SECONDS <= take.duration_seconds <= MAX_SECONDS


def test_audio_is_loud_but_never_clips(take):
    samples = decode(take.data)
    rms = float(np.sqrt(np.mean(samples**2)))

    assert len(samples) / SAMPLE_RATE == pytest.approx(take.duration_seconds, abs=0.2)
    assert np.abs(samples).max() < 0.99
    assert 0.05 < rms < 0.5


def test_sections_time_the_lyrics_for_captions(take):
    sections = take.sections

    assert [s.label for s in sections] == ["Verse 1", "Chorus"]
    assert sections[0].lines == ("Anya wakes up to the morning light", "Coffee in her hand and the city bright")
    assert 0 < sections[0].start_seconds < sections[0].end_seconds <= sections[1].start_seconds
    assert sections[1].end_seconds < take.duration_seconds


def test_progress_is_reported_in_order_up_to_100(take, progress_seen):
    assert len(progress_seen) >= 5
    assert progress_seen == sorted(progress_seen)
    assert progress_seen[0] == 0 and progress_seen[-1] == 100


def test_same_request_renders_the_same_bytes(take):
    assert render(song_request(seed=3)).data == take.data


def test_instrumental_needs_no_lyrics():
    instrumental = render(song_request(None, genre="jazz", mood="romantic", instrumental=True))

    assert mp3_frames(instrumental.data)
    assert instrumental.sections == ()
    assert MIN_SECONDS <= instrumental.duration_seconds <= MAX_SECONDS
    assert np.sqrt(np.mean(decode(instrumental.data) ** 2)) > 0.05


def test_vocal_stem_sings_every_syllable_on_its_note():
    plan = plan_song(song_request(genre="acoustic", mood="nostalgic"))
    stems = render_stems(plan, SAMPLE_RATE)
    vocals = stems["vocals"]
    sung = [n for n in plan.melody if n.word]

    def window(start: float, end: float) -> np.ndarray:
        return vocals[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]

    first_word = float(plan.seconds(sung[0].start_beat))
    assert np.abs(window(0, first_word - 0.2)).max() == 0  # the intro is instrumental
    note_levels = [
        np.sqrt(np.mean(window(plan.seconds(n.start_beat), plan.seconds(n.start_beat + n.beats)) ** 2)) for n in sung
    ]
    assert min(note_levels) > 0.01
    in_tune = 0
    long_notes = [n for n in sung if plan.seconds(n.start_beat + n.beats) - plan.seconds(n.start_beat) > 0.35]
    for n in long_notes:
        start = float(plan.seconds(n.start_beat)) + 0.1
        expected = 440.0 * 2 ** ((n.pitch - 69) / 12)
        in_tune += abs(12 * np.log2(_pitch(window(start, start + 0.2)) / expected)) < 0.5
    assert long_notes and in_tune >= 0.8 * len(long_notes)


def _pitch(segment: np.ndarray) -> float:
    correlation = np.fft.irfft(np.abs(np.fft.rfft(segment, 2 * len(segment))) ** 2)[: len(segment)]
    shortest, longest = SAMPLE_RATE // 1000, SAMPLE_RATE // 80
    return SAMPLE_RATE / (shortest + int(np.argmax(correlation[shortest:longest])))


def test_every_syllable_gets_one_melody_note():
    plan = plan_song(song_request())
    syllables = sum(w.syllables for line in Lyrics.from_text("x", SHORT_LYRICS).lines for w in words_of(line))

    assert len(plan.melody) == syllables
    assert [n.word for n in plan.melody[:3]] == ["Anya", "Anya", "wakes"]


def test_unknown_words_fall_back_to_a_spelling_estimate():
    assert [w.syllables for w in words_of("Zorbulon flibbertigibbet 42")] == [3, 5, 2]
    assert estimate_syllables("make") == 1


def test_duration_grows_with_the_lyrics_within_bounds():
    durations = [plan_song(song_request(lyrics_with(n))).duration_seconds for n in (2, 16, 24, 32, 200)]

    assert durations == sorted(durations)
    assert durations[1] < durations[2] < durations[3]
    assert durations[0] == pytest.approx(MIN_SECONDS, abs=3)
    assert MIN_SECONDS <= min(durations) and max(durations) <= MAX_SECONDS


def test_genres_set_tempo_and_moods_set_the_scale():
    tempos = {genre: plan_song(song_request(genre=genre)).bpm for genre in GENRES}

    assert tempos["ballad"] < tempos["pop"] < tempos["rock"]
    assert tempos["lo-fi"] < tempos["electropop"]
    assert len(set(tempos.values())) >= 6
    for mood in MOODS:
        assert plan_song(song_request(mood=mood)).scale.steps[2] == (3 if MOODS[mood].mode in ("minor", "dorian") else 4)


def test_job_id_names_the_request_and_guards_against_mixups():
    provider = LocalAudioProvider()
    job = provider.submit(song_request(seed=1))

    assert job.startswith("local-")
    assert job == provider.submit(song_request(seed=1)) != provider.submit(song_request(seed=2))
    with pytest.raises(ProviderError):
        provider.wait(job, song_request(seed=2))

"""The offline audio provider (the adapter over the synthesizer engine): a real MP3 take with its timings,
checked by parsing and decoding the MP3. The engine's own rules are in test_engine_synth.py."""
from __future__ import annotations

import subprocess

import imageio_ffmpeg
import numpy as np
import pytest

from songcraft.engines.synth.form import MAX_SECONDS, MIN_SECONDS
from songcraft.providers.audio.base import AudioRequest
from songcraft.providers.audio.local import LocalAudioProvider
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


def test_the_take_times_every_sung_line(take):
    assert [line.text for line in take.lines] == Lyrics.from_text("Anya", SHORT_LYRICS).lines
    assert take.lines_estimated is False
    assert take.sections[0].start_seconds <= take.lines[0].start_seconds < take.lines[-1].end_seconds <= take.sections[-1].end_seconds


def test_same_request_renders_the_same_bytes(take):
    assert render(song_request(seed=3)).data == take.data


def test_job_id_names_the_request_and_guards_against_mixups():
    provider = LocalAudioProvider()
    job = provider.submit(song_request(seed=1))

    assert job.startswith("local-")
    assert job == provider.submit(song_request(seed=1)) != provider.submit(song_request(seed=2))
    assert job != provider.submit(song_request(seed=1, vocal_style="male"))
    with pytest.raises(ProviderError):
        provider.wait(job, song_request(seed=2))



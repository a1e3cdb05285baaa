"""Speak single words with the espeak-ng library shipped in the espeakng-loader wheel (fully offline).

espeak-ng keeps global state, so one process-wide engine serves every caller behind a lock.
The voice is monotone (pitch range 0): a constant source pitch makes pitch marks trivial to find.
It is espeak's "female3" variant without breath, echo, flutter and roughness: those carry noise and
state from one call to the next, and a word must sound the same every time for songs to be repeatable.
"""
from __future__ import annotations

import ctypes
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import espeakng_loader
import numpy as np

from songcraft.providers.errors import ProviderError

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAM_RATE, _PARAM_PITCH, _PARAM_RANGE = 1, 3, 4
_EVENT_LIST_TERMINATED, _EVENT_PHONEME = 0, 7

_LANGUAGE_FILE = "lang/gmw/en-US"  # inside espeak's data folder
_VOICE_TRAITS = """
gender female
pitch 140 240
formant 0 105  80 150
formant 1 120  75 150 -50
formant 2 135  70 150 -250
formant 3 125  80 150
formant 4 125  80 150
formant 5 125  80 150
formant 6 120  70 150
formant 7 110  70 150
formant 8 110  70 150
stressAmp 18 18 20 20 20 20 20 20
flutter 0
roughness 0
"""
PITCH = 30  # espeak pitch setting; with this voice it gives a steady ~147 Hz
RATE = 150  # words per minute: slow, clear syllables


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass(frozen=True)
class SpokenWord:
    samples: np.ndarray  # float32 mono at `sample_rate`
    sample_rate: int
    phonemes: tuple[tuple[str, int], ...]  # (espeak phoneme mnemonic, start sample), pauses excluded
    end: int  # sample where speech stops (trailing pause excluded)


class _Engine:
    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_SetVoiceByFile.argtypes = [ctypes.c_char_p]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        data_path = Path(espeakng_loader.get_data_path())
        self.sample_rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, bytes(data_path), options)
        if self.sample_rate <= 0 or not self._load_voice((data_path / _LANGUAGE_FILE).read_text() + _VOICE_TRAITS):
            raise ProviderError("The offline singing voice could not be started.")
        for parameter, value in ((_PARAM_RATE, RATE), (_PARAM_PITCH, PITCH), (_PARAM_RANGE, 0)):
            self._lib.espeak_SetParameter(parameter, value, 0)
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[str, int]] = []
        self._callback = _Callback(self._collect)  # kept referenced: espeak calls it later
        self._lib.espeak_SetSynthCallback(self._callback)

    def _load_voice(self, definition: str) -> bool:
        """espeak reads voices from files only: hand it a temporary one."""
        with tempfile.TemporaryDirectory() as folder:
            voice_file = Path(folder) / "songcraft-voice"
            voice_file.write_text(definition)
            return self._lib.espeak_SetVoiceByFile(bytes(voice_file)) == 0

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, (count,)).copy())
        index = 0
        while events[index].type != _EVENT_LIST_TERMINATED:
            event = events[index]
            if event.type == _EVENT_PHONEME:
                self._events.append((event.id.string.decode("utf-8", "replace"), event.sample))
            index += 1
        return 0

    def speak(self, word: str) -> SpokenWord:
        self._chunks, self._events = [], []
        self._lib.espeak_ng_SetRandSeed(0)  # noise in consonants: the same word must sound the same
        text = word.encode("utf-8")
        status = self._lib.espeak_Synth(text, len(text) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != 0:
            raise ProviderError("The offline singing voice failed to pronounce the lyrics.")
        samples = np.concatenate(self._chunks or [np.zeros(0, np.int16)]).astype(np.float32) / 32768.0
        phonemes = tuple((name, start) for name, start in self._events if not name.startswith("_"))
        last_start = phonemes[-1][1] if phonemes else 0
        trailing_pauses = [start for name, start in self._events if name.startswith("_") and start > last_start]
        end = min(trailing_pauses + [len(samples)])
        return SpokenWord(samples, self.sample_rate, phonemes, end)


_engine: _Engine | None = None
_lock = threading.Lock()


def speak_word(word: str) -> SpokenWord:
    """Monotone speech of one word, with where each phoneme starts."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = _Engine()
        return _engine.speak(word)

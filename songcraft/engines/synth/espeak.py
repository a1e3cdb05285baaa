"""Speak single words with the espeak-ng library shipped in the espeakng-loader wheel (fully offline).

espeak-ng keeps global state, so one process-wide engine serves every caller behind a lock, and
switches voice only when a caller asks for another one. Every voice is monotone (pitch range 0): a
constant source pitch makes pitch marks trivial to find. Voices carry no breath, echo, flutter or
roughness: those carry noise and state from one call to the next, and a word must sound the same
every time for songs to be repeatable.
"""
from __future__ import annotations

import ctypes
import re
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
_PHONEME_SEPARATOR = ord("_")
_PHONEME_INPUT = 0x100  # espeakPHONEMES: [[...]] in the text is read as phoneme mnemonics

# The espeak-ng language file (inside its data folder) that sings each supported language.
LANGUAGE_FILES = {
    "en": "lang/gmw/en-US", "es": "lang/roa/es", "fr": "lang/roa/fr", "de": "lang/gmw/de",
    "it": "lang/roa/it", "pt": "lang/roa/pt", "uk": "lang/zle/uk",
}
# First characters of espeak-ng's vowel mnemonics across those languages (consonants use other letters).
_VOWEL_INITIALS = set("aeiouyAEIOUVWY@0123456789&")
_STRESS_MARKS = "'"
_SECONDARY_MARKS = ","


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice: a language file, a variant's traits, and the (monotone) pitch setting."""

    language: str  # a key of LANGUAGE_FILES
    traits: str  # voice-variant lines: gender, formants, stress
    pitch: int  # espeak's pitch parameter, 0..100


@dataclass(frozen=True)
class SpokenWord:
    samples: np.ndarray  # float32 mono at `sample_rate`
    sample_rate: int
    phonemes: tuple[tuple[str, int], ...]  # (espeak phoneme mnemonic, start sample), pauses excluded
    end: int  # sample where speech stops (trailing pause excluded)


def is_vowel(phoneme: str) -> bool:
    """True for espeak-ng's vowel (syllable nucleus) mnemonics, stress marks ignored."""
    core = phoneme.lstrip("',%=")
    return bool(core) and (core[0] in _VOWEL_INITIALS or (len(core) == 2 and core.endswith("-")))


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


class _Engine:
    def __init__(self) -> None:
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.restype = ctypes.c_int
        self._lib.espeak_SetVoiceByFile.argtypes = [ctypes.c_char_p]
        self._lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        self._lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        options = _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT
        self._data_path = Path(espeakng_loader.get_data_path())
        self.sample_rate = self._lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, bytes(self._data_path), options)
        if self.sample_rate <= 0:
            raise ProviderError("The offline singing voice could not be started.")
        self._voice: Voice | None = None
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[str, int]] = []
        self._callback = _Callback(self._collect)  # kept referenced: espeak calls it later
        self._lib.espeak_SetSynthCallback(self._callback)

    def use(self, voice: Voice) -> None:
        if voice == self._voice:
            return
        definition = (self._data_path / LANGUAGE_FILES[voice.language]).read_text() + "\n" + voice.traits
        with tempfile.TemporaryDirectory() as folder:  # espeak reads voices from files only
            voice_file = Path(folder) / "songcraft-voice"
            voice_file.write_text(definition)
            if self._lib.espeak_SetVoiceByFile(bytes(voice_file)) != 0:
                raise ProviderError("The offline singing voice could not be started.")
        rate = 150 if voice.language == "en" else 140  # words per minute: slow, clear syllables
        for parameter, value in ((_PARAM_RATE, rate), (_PARAM_PITCH, voice.pitch), (_PARAM_RANGE, 0)):
            self._lib.espeak_SetParameter(parameter, value, 0)
        self._voice = voice

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

    def speak(self, text: str) -> SpokenWord:
        self._chunks, self._events = [], []
        self._lib.espeak_ng_SetRandSeed(0)  # noise in consonants: the same word must sound the same
        encoded = text.encode("utf-8")
        status = self._lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _PHONEME_INPUT, None, None)
        if status != 0:
            raise ProviderError("The offline singing voice failed to pronounce the lyrics.")
        samples = np.concatenate(self._chunks or [np.zeros(0, np.int16)]).astype(np.float32) / 32768.0
        phonemes = tuple((name, start) for name, start in self._events if not name.startswith("_"))
        last_start = phonemes[-1][1] if phonemes else 0
        trailing_pauses = [start for name, start in self._events if name.startswith("_") and start > last_start]
        end = min(trailing_pauses + [len(samples)])
        return SpokenWord(samples, self.sample_rate, phonemes, end)

    def phonemes(self, text: str) -> list[str]:
        """espeak's phoneme mnemonics for the text, stress marks kept on the phoneme they precede."""
        found: list[str] = []
        pointer = ctypes.c_char_p(text.encode("utf-8"))
        while pointer.value:
            chunk = self._lib.espeak_TextToPhonemes(ctypes.byref(pointer), _CHARS_UTF8, _PHONEME_SEPARATOR << 8)
            found += (chunk or b"").decode("utf-8", "replace").replace(" ", "_").split("_")
        return [phoneme for phoneme in _merge_marks(found) if phoneme]


def _merge_marks(parts: list[str]) -> list[str]:
    """A stress mark sometimes comes out as its own 'phoneme': attach it to the next one."""
    merged, pending = [], ""
    for part in parts:
        if part and all(mark in _STRESS_MARKS + _SECONDARY_MARKS for mark in part):
            pending += part
        else:
            merged.append(pending + part)
            pending = ""
    return merged


_engine: _Engine | None = None
_lock = threading.Lock()


def _started() -> _Engine:
    global _engine
    if _engine is None:
        _engine = _Engine()
    return _engine


def speak_word(text: str, voice: Voice) -> SpokenWord:
    """Monotone speech of one word (or of espeak phoneme input ``[[...]]``), with where each phoneme starts."""
    with _lock:
        engine = _started()
        engine.use(voice)
        return engine.speak(text)


def phonemes_of(text: str, voice: Voice) -> list[str]:
    """espeak-ng's phoneme mnemonics for the text in the voice's language, stress marks attached."""
    with _lock:
        engine = _started()
        engine.use(voice)
        return engine.phonemes(text)


def word_stresses(word: str, voice: Voice) -> tuple[bool, ...]:
    """One flag per syllable of the word as espeak-ng would say it: True for the stressed one(s)."""
    return tuple(p.startswith(_STRESS_MARKS) for p in phonemes_of(word, voice) if is_vowel(p))


def phoneme_spelling(respelling: str, voice: Voice) -> str | None:
    """espeak phoneme input for a pronunciation like "ow-REL-ya": each part phonemised on its own,
    joined into one word with the stress on the upper-case part. None when a part cannot be said."""
    parts = [part for part in re.split(r"[-\s]+", respelling.strip()) if part]
    if not parts:
        return None
    stressed = [part.isupper() for part in parts]
    if not any(stressed):
        stressed[0] = True
    spelled = []
    with _lock:
        engine = _started()
        engine.use(voice)
        for part, stress in zip(parts, stressed):
            phonemes = [p.lstrip(_STRESS_MARKS + _SECONDARY_MARKS) for p in engine.phonemes(part.lower())]
            vowels = [i for i, p in enumerate(phonemes) if is_vowel(p)]
            if len(vowels) != 1:
                return None  # each part of a respelling is one syllable
            if stress:
                phonemes[vowels[0]] = "'" + phonemes[vowels[0]]
            spelled.append("".join(phonemes))
    return "[[" + "".join(spelled) + "]]"

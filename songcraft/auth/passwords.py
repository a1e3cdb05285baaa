"""bcrypt password hashing.

bcrypt reads at most 72 bytes, and passwords may be 128 characters of UTF-8, so the password
is first reduced to a fixed-length SHA-256 digest (base64) — every character counts.
"""
from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

import bcrypt
from flask import current_app


def _prehash(password: str) -> bytes:
    # surrogatepass: a lone surrogate that JSON let through still hashes instead of crashing.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8", "surrogatepass")).digest())


def hash_password(password: str) -> str:
    rounds = current_app.config["BCRYPT_ROUNDS"]
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password: str, password_hash: str) -> bool:
    return bcrypt.checkpw(_prehash(password), password_hash.encode("ascii"))


@lru_cache(maxsize=4)
def _dummy_hash(rounds: int) -> str:
    return bcrypt.hashpw(_prehash("not-a-real-password"), bcrypt.gensalt(rounds)).decode("ascii")


def burn_time_like_a_check(password: str) -> None:
    """Spend as long as one real check (one bcrypt), so an unknown email cannot be told apart by timing."""
    check_password(password, _dummy_hash(current_app.config["BCRYPT_ROUNDS"]))

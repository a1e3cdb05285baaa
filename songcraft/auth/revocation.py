"""Where revoked token families are remembered: Redis, or the database under the embedded default.

Access and refresh tokens carry their login's family id (`fam`). Revoking a family kills
both at once, which is what logout, refresh-token reuse and password changes need.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Protocol

import sqlalchemy as sa

from songcraft.auth.models import RevokedFamily
from songcraft.common.db import utcnow
from songcraft.extensions import db


class RevocationStore(Protocol):
    def revoke(self, family_id: str, ttl: timedelta) -> None: ...

    def is_revoked(self, family_id: str) -> bool: ...


class RedisRevocationStore:
    prefix = "songcraft:revoked-family:"

    def __init__(self, redis_client):
        self.redis = redis_client

    def revoke(self, family_id: str, ttl: timedelta) -> None:
        self.redis.set(self.prefix + family_id, "1", ex=max(int(ttl.total_seconds()), 1))

    def is_revoked(self, family_id: str) -> bool:
        return bool(self.redis.exists(self.prefix + family_id))


class DatabaseRevocationStore:
    """Writes in the caller's transaction; expired rows are ignored (and harmless)."""

    def revoke(self, family_id: str, ttl: timedelta) -> None:
        row = db.session.get(RevokedFamily, family_id) or RevokedFamily(family_id=family_id)
        row.expires_at = utcnow() + ttl
        db.session.add(row)

    def is_revoked(self, family_id: str) -> bool:
        query = sa.select(RevokedFamily.family_id).where(
            RevokedFamily.family_id == family_id, RevokedFamily.expires_at > utcnow()
        )
        return db.session.scalar(query) is not None

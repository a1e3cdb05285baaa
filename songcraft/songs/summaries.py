"""Pages of song summaries read as plain rows: a list's one query without the ORM's objects.

Loading a page of 20 songs and their 40 takes as ORM objects cost the ORM more than anything
else a song page did (identity map, instance state, a loader per attribute per row). Here a
page is plain rows, and its statement is built once per kind of list (everyone's or one
customer's, by status or not) with the varying values as bound parameters: building it per
request, and deriving its compilation cache key, cost as much as the ORM saved. A `SongSummary`
holds what a summary shows; its properties (`waiting_for`, `awaiting_approval`,
`selected_take`, `display_title`, ...) are the model's own, borrowed, so a summary says what the
song says (tests/integration/test_list_pages.py compares each item with the song's detail).

The page comes in one round trip: the page's songs, limited, with the list's total as a window
count and their rank, in a subquery the takes are joined to.
"""
from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass

import sqlalchemy as sa

from songcraft.auth.models import User
from songcraft.common.pagination import SelectPage
from songcraft.extensions import db
from songcraft.songs.models import Song, Take

NEWEST_FIRST = (Song.created_at.desc(), Song.id)
LEFT_OUT = ("story", "lyrics")  # the two long texts: `GET /songs/{id}` has them
_COLUMNS = tuple(column for column in Song.__table__.c if column.key not in LEFT_OUT)
_TAKE_COLUMNS = ("id", "position", "duration_seconds", "selected", "storage_key")
_BORROWED = ("approval_pending", "runnable_plan", "at_approval_gate", "awaiting_approval", "waiting_for", "selected_take",
             "display_title")
_TOTAL, _RANK, _TAKE = "page_total", "page_rank", "take_"


class TakeSummary:
    """What a list shows of a take, and what `audio_url` signs."""

    __slots__ = _TAKE_COLUMNS


class SongSummary:
    """A song of a list page: its columns but the long texts, `lacks_photos`, its takes and any
    extra column the list selects (the admin list's `user_email`)."""

    __slots__ = (*(column.key for column in _COLUMNS), "lacks_photos", "takes", "__dict__")


for _name in _BORROWED:
    setattr(SongSummary, _name, vars(Song)[_name])


@dataclass(frozen=True)
class SongList:
    """Which songs a list shows, newest first: one customer's (`user_id`), or everyone's with
    their owner's email (`user_id` None); of one `status`, or all."""

    user_id: uuid.UUID | None = None
    status: str | None = None

    @property
    def parameters(self) -> dict:
        return {name: value for name, value in (("user_id", self.user_id), ("status", self.status)) if value is not None}


def _filtered(query: sa.Select, everyone: bool, by_status: bool) -> sa.Select:
    query = query.join(User, User.id == Song.user_id) if everyone else query.where(Song.user_id == sa.bindparam("user_id"))
    return query.where(Song.status == sa.bindparam("status")) if by_status else query


@functools.cache
def _page_statement(everyone: bool, by_status: bool) -> sa.Select:
    owner = (User.email.label("user_email"),) if everyone else ()
    page = _filtered(sa.select(
        *_COLUMNS, Song.lacks_photos.expression.label("lacks_photos"), *owner,
        sa.func.count().over().label(_TOTAL), sa.func.row_number().over(order_by=NEWEST_FIRST).label(_RANK),
    ), everyone, by_status).order_by(*NEWEST_FIRST).limit(sa.bindparam("limit")).offset(sa.bindparam("offset")).subquery()
    take = Take.__table__.c
    return (sa.select(page, *(take[name].label(_TAKE + name) for name in _TAKE_COLUMNS))
            .outerjoin(Take.__table__, take.song_id == page.c.id).order_by(page.c[_RANK], take.position))


@functools.cache
def _count_statement(everyone: bool, by_status: bool) -> sa.Select:
    return _filtered(sa.select(sa.func.count()).select_from(Song), everyone, by_status)


class SummaryPage(SelectPage):
    """Pages a `SongList` into `SongSummary` items (flask-smorest's pager for the song lists)."""

    def _rows(self, limit: int, offset: int) -> list[sa.Row]:
        songs = self.collection
        statement = _page_statement(songs.user_id is None, songs.status is not None)
        return db.session.connection().execute(statement, {**songs.parameters, "limit": limit, "offset": offset}).all()

    def _count(self) -> int:
        songs = self.collection
        return db.session.scalar(_count_statement(songs.user_id is None, songs.status is not None), songs.parameters)

    @staticmethod
    def _page_items(rows: list[sa.Row]) -> list[SongSummary]:
        songs: dict = {}
        song_fields = [key for key in rows[0]._fields if key not in (_TOTAL, _RANK) and not key.startswith(_TAKE)]
        for row in rows:
            values = row._mapping
            song = songs.get(values["id"])
            if song is None:
                song = songs[values["id"]] = SongSummary()
                for key in song_fields:
                    setattr(song, key, values[key])
                song.takes = []
            if values[_TAKE + "id"] is not None:
                take = TakeSummary()
                for name in _TAKE_COLUMNS:
                    setattr(take, name, values[_TAKE + name])
                song.takes.append(take)
        return list(songs.values())

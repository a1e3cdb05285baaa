"""Pages of song summaries read as plain rows: a list's one query without the ORM's objects.

Loading a page of 20 songs and their 40 takes as ORM objects cost the ORM about 1.6 ms of a
7 ms list request (identity map, instance state, a loader per attribute per row); the same
columns as plain rows cost a third of that. A `SongSummary` holds what a summary shows, and
its properties (`waiting_for`, `awaiting_approval`, `selected_take`, `display_title`, ...) are
the model's own, borrowed, so a summary says what the song says
(tests/integration/test_list_pages.py compares each item with the song's detail).

The page comes in one round trip: the page's songs, limited, with the list's total as a window
count and their rank, in a subquery the takes are joined to.
"""
from __future__ import annotations

import sqlalchemy as sa

from songcraft.common.pagination import MAX_OFFSET, SelectPage
from songcraft.extensions import db
from songcraft.songs.models import Song, Take

NEWEST_FIRST = (Song.created_at.desc(), Song.id)  # the order of every song list, which the page keeps
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


class SummaryPage(SelectPage):
    """Pages `select(Song, *labelled columns)` (filtered, ordered `NEWEST_FIRST`) into `SongSummary` items."""

    def _page_and_total(self) -> tuple[list, int]:
        params = self.page_params
        if params.first_item > MAX_OFFSET:
            return [], self._count()
        rows = db.session.execute(self._page_query(params.page_size, params.first_item)).all()
        if not rows:
            return [], 0 if params.first_item == 0 else self._count()
        return self._summaries(rows), getattr(rows[0], _TOTAL)

    def _page_query(self, limit: int, offset: int) -> sa.Select:
        extras = [entry["expr"] for entry in self.collection.column_descriptions if entry["expr"] is not Song]
        page = self.collection.with_only_columns(
            *_COLUMNS, Song.lacks_photos.expression.label("lacks_photos"), *extras,
            sa.func.count().over().label(_TOTAL), sa.func.row_number().over(order_by=NEWEST_FIRST).label(_RANK),
        ).limit(limit).offset(offset).subquery()
        take = Take.__table__.c  # table columns: a Core query, whose rows the ORM leaves alone
        return (sa.select(page, *(take[name].label(_TAKE + name) for name in _TAKE_COLUMNS))
                .outerjoin(Take.__table__, take.song_id == page.c.id).order_by(page.c[_RANK], take.position))

    @staticmethod
    def _summaries(rows: list[sa.Row]) -> list[SongSummary]:
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

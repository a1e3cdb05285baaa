"""flask-smorest pagination for SQLAlchemy selects: the page and its total in one query."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Page

from songcraft.extensions import db

MAX_OFFSET = 2**31
_TOTAL = "page_total"


class SelectPage(Page):
    """Paginates a SQLAlchemy 2 `select()` of one entity (more columns: see `RowPage`).

    The total rides along with the page as a window count, `count(*) OVER ()`, which the
    database computes over the filtered rows before LIMIT applies: one round trip instead of
    a page query and a COUNT. Only an empty page past the first needs a separate COUNT.
    Eager loads given with `.options()` (e.g. `joinedload` of a collection) join in the same
    query; SQLAlchemy then limits an inner select of the parent rows, so the page still holds
    `page_size` parents.
    """

    def __init__(self, collection, page_params):
        self.collection = collection
        self.page_params = page_params
        self._items, page_params.item_count = self._page_and_total()

    @property
    def items(self) -> list:
        return self._items

    def item(self, row: sa.Row):
        """What the schema dumps for one row: its entity here; subclasses may keep the whole row."""
        return row[0]

    def _page_and_total(self) -> tuple[list, int]:
        params = self.page_params
        if params.first_item > MAX_OFFSET:  # far past any real list; also beyond a bigint
            return [], self._count()
        rows = self._rows(params.page_size, params.first_item)
        if not rows:
            return [], 0 if params.first_item == 0 else self._count()
        return self._page_items(rows), getattr(rows[0], _TOTAL)

    def _rows(self, limit: int, offset: int) -> list[sa.Row]:
        """The page's rows, each with the list's total as a `page_total` column. Through the session,
        which loads the entities; the rows of a joined collection's items repeat their parent: one kept."""
        query = self.collection.add_columns(sa.func.count().over().label(_TOTAL)).limit(limit).offset(offset)
        return db.session.execute(query).unique().all()

    def _page_items(self, rows: list[sa.Row]) -> list:
        return [self.item(row) for row in rows]

    def _count(self) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery()))


class ColumnsPage(SelectPage):
    """Pages `select(Entity, *labelled columns)` as plain rows of the entity's table columns and
    those labels, for list schemas that read columns only: no ORM object per row, which cost the
    ORM more than the rest of the page's query."""

    def __init__(self, collection: sa.Select, page_params):
        entity, *extras = collection.column_descriptions
        columns = collection.with_only_columns(*entity["entity"].__table__.c, *(extra["expr"] for extra in extras))
        super().__init__(columns, page_params)

    def item(self, row: sa.Row):
        return row

    def _rows(self, limit: int, offset: int) -> list[sa.Row]:
        """On the session's connection, as SQL returning plain rows: through the session, the ORM
        would handle the query as one of entities (a third of its cost)."""
        query = self.collection.add_columns(sa.func.count().over().label(_TOTAL)).limit(limit).offset(offset)
        return db.session.connection().execute(query).all()


class RowPage(SelectPage):
    """Pages a select of several columns, e.g. `select(Song, User.email)`: each item is the row
    (with a `page_total` column the schema ignores)."""

    def item(self, row: sa.Row):
        return row

"""flask-smorest pagination for SQLAlchemy selects: one COUNT and one page query."""
from __future__ import annotations

import sqlalchemy as sa
from flask_smorest import Page

from songcraft.extensions import db

MAX_OFFSET = 2**31


class SelectPage(Page):
    """Paginates a SQLAlchemy 2 `select()`; the total comes from a COUNT over the same filters."""

    @property
    def items(self):
        if self.page_params.first_item > MAX_OFFSET:  # far past any real list; also beyond a bigint
            return []
        return self.fetch(self.collection.limit(self.page_params.page_size).offset(self.page_params.first_item))

    def fetch(self, query: sa.Select) -> list:
        """The page's rows: one entity per row here; subclasses may return whole rows."""
        return db.session.scalars(query).all()

    @property
    def item_count(self):
        count = sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery())
        return db.session.scalar(count)

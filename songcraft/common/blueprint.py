"""flask-smorest's Blueprint, documenting the 400 a malformed JSON body gets on every route that
reads one, and parsing arguments and pagination parameters without building their schemas on
every request."""
from __future__ import annotations

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser


class _SchemaReusingParser(FlaskParser):
    """Routes (`@blp.arguments(SongQuerySchema, ...)`) and flask-smorest's pagination hand webargs
    a schema class, which webargs instantiated (deep-copying every field) on each request; one
    instance per class serves all (loading keeps no state on the schema)."""

    def __init__(self):
        super().__init__()
        self._instances: dict[type, ma.Schema] = {}

    def _get_schema(self, argmap, req) -> ma.Schema:
        if not (isinstance(argmap, type) and issubclass(argmap, ma.Schema)):
            return super()._get_schema(argmap, req)
        schema = self._instances.get(argmap)
        if schema is None:
            schema = self._instances[argmap] = argmap()
        return schema


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _SchemaReusingParser()
    PAGINATION_ARGUMENTS_PARSER = _SchemaReusingParser()

    @staticmethod
    def _make_pagination_metadata(page: int, page_size: int, item_count: int) -> dict:
        """The `X-Pagination` header's content, as flask-smorest makes it, without building its
        marshmallow schema on every request (it copies these integers as they are)."""
        metadata = {"total": item_count, "total_pages": 0 if item_count == 0 else (item_count - 1) // page_size + 1}
        if item_count and page <= metadata["total_pages"]:
            metadata.update(first_page=1, last_page=metadata["total_pages"], page=page)
            if page > 1:
                metadata["previous_page"] = page - 1
            if page < metadata["last_page"]:
                metadata["next_page"] = page + 1
        elif item_count:
            metadata.update(first_page=1, last_page=metadata["total_pages"])
        return metadata

    def arguments(self, schema, *, location: str = "json", **kwargs):
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorator

        def documented(func):
            view = decorator(func)
            view._apidoc["arguments"]["responses"][400] = "BAD_REQUEST"
            return view

        return documented

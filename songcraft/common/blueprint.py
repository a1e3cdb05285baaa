"""flask-smorest's Blueprint, documenting the 400 a malformed JSON body gets on every route that
reads one, and parsing pagination parameters without building their schema on every request."""
from __future__ import annotations

import flask_smorest
import marshmallow as ma
from webargs.flaskparser import FlaskParser


class _SchemaReusingParser(FlaskParser):
    """flask-smorest hands webargs the pagination parameters' schema as a class, which webargs
    instantiated (deep-copying every field) on each request; one instance per class serves all."""

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
    PAGINATION_ARGUMENTS_PARSER = _SchemaReusingParser()

    def arguments(self, schema, *, location: str = "json", **kwargs):
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorator

        def documented(func):
            view = decorator(func)
            view._apidoc["arguments"]["responses"][400] = "BAD_REQUEST"
            return view

        return documented

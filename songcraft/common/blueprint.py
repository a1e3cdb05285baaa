"""flask-smorest's Blueprint, documenting the 400 a malformed JSON body gets on every route that reads one."""
from __future__ import annotations

import flask_smorest


class Blueprint(flask_smorest.Blueprint):
    def arguments(self, schema, *, location: str = "json", **kwargs):
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorator

        def documented(func):
            view = decorator(func)
            view._apidoc["arguments"]["responses"][400] = "BAD_REQUEST"
            return view

        return documented

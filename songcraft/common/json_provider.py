"""Flask's JSON responses encoded by orjson.

A list page is 20 resources of 20-odd fields: the standard library's encoder spends about a
tenth of such a request, orjson a hundredth. The output means the same: keys sorted, compact
(indented under DEBUG), a trailing newline, and whatever orjson does not encode itself
(datetimes, Decimal, ...) goes through Flask's own `default`, as before. Non-ASCII characters
are written as UTF-8 rather than `\\u` escapes. Request bodies are still parsed by the standard
library, which accepts exactly what it accepted before.
"""
from __future__ import annotations

import orjson
from flask.json.provider import DefaultJSONProvider

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


class OrjsonProvider(DefaultJSONProvider):
    def _options(self, indent: bool) -> int:
        return _OPTIONS | (orjson.OPT_SORT_KEYS if self.sort_keys else 0) | (orjson.OPT_INDENT_2 if indent else 0)

    def _encode(self, obj, *, indent: bool = False) -> bytes | None:
        """orjson's bytes, or None for what it refuses (integers beyond 64 bits) and the standard library encodes."""
        try:
            return orjson.dumps(obj, default=self.default, option=self._options(indent))
        except orjson.JSONEncodeError:
            return None

    def dumps(self, obj, **kwargs) -> str:
        if not kwargs:
            encoded = self._encode(obj)
            if encoded is not None:
                return encoded.decode()
        return super().dumps(obj, **kwargs)

    def response(self, *args, **kwargs):
        indent = self.compact is False or (self.compact is None and self._app.debug)
        encoded = self._encode(self._prepare_response_obj(args, kwargs), indent=indent)
        if encoded is None:
            return super().response(*args, **kwargs)
        return self._app.response_class(encoded + b"\n", mimetype=self.mimetype)

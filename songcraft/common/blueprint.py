"""flask-smorest's Blueprint, documenting the errors a route can answer from how it is built, and
parsing arguments and pagination parameters without building their schemas on every request.

Each operation of the OpenAPI document gets, unless its route documents the status itself:

* 400 and 413 when it reads a JSON body (malformed JSON; a body over ``MAX_CONTENT_LENGTH``, 1 MB);
* 401 when it takes a bearer token (``security``), and 403 when ``login_required`` also asks
  for a verified email or the admin role (see ``LOGIN_REQUIREMENTS``);
* 404 when its path names a resource by UUID (unknown, or not the caller's);
* 429 when a rate limit of flask-limiter applies (on the view, or in a MethodView's ``decorators``).

So a new route documents only the statuses its own logic answers (402, 409, ...). Every error
response gets an example of its own status (``error_example``), the message being the one the API
gives or, for a route's own error, the response's description.
"""
from __future__ import annotations

import re

import flask_smorest
import marshmallow as ma
from flask.views import MethodView
from flask_limiter import Limiter
from webargs.flaskparser import FlaskParser

from songcraft.common.examples import PATH_PARAMETERS, error_example
from songcraft.common.schemas import ErrorSchema

# The attribute `songcraft.auth.access.login_required` sets on the views it guards, e.g.
# {"verified": True, "admin": False}; functools.wraps carries it up through the decorators above.
LOGIN_REQUIREMENTS = "login_requirements"
_PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")  # the name in `<uuid:song_id>` or `<token>`
_LIMITED = "__wrapper-limiter-instance"  # flask-limiter marks each view its `limit` decorator wraps

# Each implied error: its description in the document, and the message the API answers it with.
UNAUTHORIZED = ("Not logged in: the `Authorization: Bearer <access token>` header is missing, or the token is "
                "malformed, expired or revoked (log in again, or exchange the refresh token at `POST /api/v1/auth/refresh`)")
UNAUTHORIZED_MESSAGE = "Authentication required: Missing Authorization Header."
NOT_VERIFIED = "Your email address is not verified yet (`POST /api/v1/auth/resend-verification` sends the link again)"
NOT_VERIFIED_MESSAGE = "Please verify your email address first."
NOT_ADMIN = "Administrators only"
NOT_ADMIN_MESSAGE = "Administrators only."
NOT_FOUND = "No such resource, or not yours: the ids in the path are checked against your own records"
TOO_LARGE = "The body is larger than the server accepts (1 MB)"
TOO_MANY = "Too many requests from your address: wait the seconds the `Retry-After` header gives, then try again"
TOO_MANY_MESSAGE = "Too many requests: limit of 10 per 1 minute. Try again later."


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


def _is_rate_limited(view_class_or_function, function) -> bool:
    class_decorators = getattr(view_class_or_function, "decorators", ())
    return bool(getattr(function, _LIMITED, None)) or any(isinstance(getattr(d, "limiter", None), Limiter) for d in class_decorators)


def _implied_errors(rule: str, view_class_or_function, function, doc: dict) -> dict[int, tuple[str, str | None]]:
    """The statuses that how the route is built lets it answer, each with its description and message
    (None: the description is the message)."""
    errors = {}
    if 400 in doc.get("arguments", {}).get("responses", {}):  # a JSON body (Blueprint.arguments documents its 400)
        errors[413] = (TOO_LARGE, error_example(413)["message"])
    if doc.get("manual_doc", {}).get("security"):
        errors[401] = (UNAUTHORIZED, UNAUTHORIZED_MESSAGE)
    requirements = getattr(function, LOGIN_REQUIREMENTS, {})
    if requirements.get("admin") or requirements.get("verified"):
        errors[403] = (NOT_ADMIN, NOT_ADMIN_MESSAGE) if requirements.get("admin") else (NOT_VERIFIED, NOT_VERIFIED_MESSAGE)
    if "<uuid:" in rule:
        errors[404] = (NOT_FOUND, None)
    if _is_rate_limited(view_class_or_function, function):
        errors[429] = (TOO_MANY, TOO_MANY_MESSAGE)
    return errors


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = _SchemaReusingParser()
    PAGINATION_ARGUMENTS_PARSER = _SchemaReusingParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.insert(0, self._prepare_implied_errors_doc)

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

    def add_url_rule(self, rule, endpoint=None, view_func=None, provide_automatic_options=None, *, parameters=None, **kwargs):
        """Register the route as flask-smorest does, with an example for each path parameter
        (`PATH_PARAMETERS`), and note the errors its construction implies."""
        parameters = [*(parameters or []), *({"in": "path", "name": name, "example": PATH_PARAMETERS[name]}
                                             for name in _PATH_PARAMETER.findall(rule) if name in PATH_PARAMETERS)]
        super().add_url_rule(rule, endpoint, view_func, provide_automatic_options, parameters=parameters, **kwargs)
        endpoint = self._endpoints[-1]
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                function = getattr(view_func, method) if isinstance(view_func, type(MethodView)) else view_func
                doc["implied_errors"] = _implied_errors(rule, view_func, function, doc)

    @staticmethod
    def _prepare_implied_errors_doc(doc: dict, doc_info: dict, **kwargs) -> dict:
        """Add each implied error the route does not document itself, in the contract's error shape,
        and an example to every error response of the route (runs before flask-smorest's own
        callbacks turn `doc_info["response"]` into the document)."""
        documented = doc_info.setdefault("response", {}).setdefault("responses", {})
        for status, (description, message) in doc_info.get("implied_errors", {}).items():
            if status not in documented and str(status) not in documented:
                documented[status] = [{"schema": ErrorSchema(), "description": description, "content_type": None,
                                       "example": error_example(status, message)}]
        for status, responses in documented.items():
            for response in responses:
                if isinstance(response, dict) and isinstance(response.get("schema"), ErrorSchema) and "example" not in response:
                    response["example"] = error_example(int(status), response["description"].rstrip(".") + ".")
        return doc

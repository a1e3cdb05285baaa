"""Unbound extension instances, bound to the app in create_app()."""
from http import HTTPStatus

import orjson
from flask import current_app
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from songcraft.common.examples import error_example
from songcraft.common.schemas import ErrorSchema, PaginationMetadataSchema
from songcraft.errors import UNEXPECTED


class SongcraftApi(Api):
    """Documents every error with the contract's error shape, each shared error response with an
    example of its own status (not the schema's 422), and the `X-Pagination` header with an example."""

    ERROR_SCHEMA = ErrorSchema

    def _register_responses(self):
        """flask-smorest's shared responses (BAD_REQUEST, UNPROCESSABLE_ENTITY, ..., DEFAULT_ERROR), as its own method registers them,
        plus the examples."""
        for status in HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = {"application/json": {"schema": self.ERROR_SCHEMA, "example": error_example(status)}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response("DEFAULT_ERROR", {"description": "Default error response", "content": {
            "application/json": {"schema": self.ERROR_SCHEMA, "example": error_example(500, UNEXPECTED)}}}, lazy=True)

    def _register_pagination_header(self):
        self.spec.components.header("PAGINATION", {"description": "Pagination metadata", "schema": PaginationMetadataSchema}, lazy=True)


# Named constraints so migrations are stable across PostgreSQL and SQLite. JSON columns are read
# by orjson (the standard library's parser took a tenth of a song page's query).
db = SQLAlchemy(
    engine_options={"json_deserializer": orjson.loads},
    metadata=MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
)
migrate = Migrate()
jwt = JWTManager()
mail = Mail()
cors = CORS()
api = SongcraftApi()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def limit_from_config(setting: str):
    """flask-limiter's decorator for the rate in the config key `setting` (e.g. "5 per minute"),
    read on each request, so each deployment (and each test app) sets its own."""
    return limiter.limit(lambda: current_app.config[setting])

"""Unbound extension instances, bound to the app in create_app()."""
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_mail import Mail
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData

from songcraft.common.schemas import ErrorSchema, PaginationMetadataSchema


class SongcraftApi(Api):
    """Documents every error with the contract's error shape, and the `X-Pagination` header with an example."""

    ERROR_SCHEMA = ErrorSchema

    def _register_pagination_header(self):
        self.spec.components.header("PAGINATION", {"description": "Pagination metadata", "schema": PaginationMetadataSchema}, lazy=True)


# Named constraints so migrations are stable across PostgreSQL and SQLite.
db = SQLAlchemy(
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

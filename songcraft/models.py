"""Imports every model so SQLAlchemy (and Alembic's autogenerate) sees the whole schema."""
from songcraft.auth.models import RefreshToken, RevokedFamily, User  # noqa: F401
from songcraft.notifications.models import OutboxEmail  # noqa: F401

"""Imports every model so SQLAlchemy (and Alembic's autogenerate) sees the whole schema."""
from songcraft.admin.models import AuditLog  # noqa: F401
from songcraft.alerts.models import Alert  # noqa: F401
from songcraft.auth.models import RefreshToken, RevokedFamily, User  # noqa: F401
from songcraft.files.cleanup import StorageDeletion  # noqa: F401
from songcraft.files.models import Image  # noqa: F401
from songcraft.finishing.models import SongCover  # noqa: F401
from songcraft.gifts.models import Gift  # noqa: F401
from songcraft.moderation.models import ModerationRefusal  # noqa: F401
from songcraft.notifications.models import OutboxEmail  # noqa: F401
from songcraft.orders.models import Order, WebhookEvent  # noqa: F401
from songcraft.privacy.models import DataExport  # noqa: F401
from songcraft.songs.models import Song, Take  # noqa: F401

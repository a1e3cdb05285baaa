"""song leases: the heartbeat lease on a song's next step, re-sends, audio callbacks

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import songcraft.common.db

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('songs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_holder', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_expires_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('requeues', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('audio_callback_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_songs_lease_expires_at'), ['lease_expires_at'], unique=False)
        batch_op.drop_column('step_started_at')
        batch_op.drop_column('step_task_id')
    # Songs in flight when this runs are due for the sweep at once: their old claims meant nothing to it.
    op.execute("UPDATE songs SET lease_expires_at = CURRENT_TIMESTAMP WHERE status NOT IN ('failed', 'completed')")


def downgrade():
    with op.batch_alter_table('songs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('step_task_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('step_started_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index(batch_op.f('ix_songs_lease_expires_at'))
        batch_op.drop_column('audio_callback_at')
        batch_op.drop_column('requeues')
        batch_op.drop_column('lease_expires_at')
        batch_op.drop_column('lease_holder')

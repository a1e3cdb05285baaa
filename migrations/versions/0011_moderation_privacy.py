"""content safety refusals and customer data exports

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 22:15:00

"""
import sqlalchemy as sa
from alembic import op

import songcraft.common.db

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('moderation_refusals',
    sa.Column('attempt_id', sa.Uuid(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('created_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_refusals'))
    )
    with op.batch_alter_table('moderation_refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_refusals_created_at'), ['created_at'], unique=False)

    op.create_table('data_exports',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('storage_key', sa.String(length=512), nullable=True),
    sa.Column('size_bytes', sa.BigInteger(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('completed_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'ready', 'failed')", name=op.f('ck_data_exports_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_user_id'))
    op.drop_table('data_exports')
    with op.batch_alter_table('moderation_refusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_refusals_created_at'))
    op.drop_table('moderation_refusals')

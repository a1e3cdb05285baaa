"""storage deletions: files of deleted rows, retried by a sweep until storage has removed them

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 19:30:00

"""
import sqlalchemy as sa
from alembic import op

import songcraft.common.db

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('storage_deletions',
    sa.Column('prefix', sa.String(length=512), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('next_attempt_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_deletions'))
    )
    with op.batch_alter_table('storage_deletions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_deletions_next_attempt_at'), ['next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('storage_deletions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_deletions_next_attempt_at'))

    op.drop_table('storage_deletions')

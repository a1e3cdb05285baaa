"""gifts (share links, reveal, views) and song covers

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import songcraft.common.db

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('gifts',
    sa.Column('song_id', sa.Uuid(), nullable=False),
    sa.Column('link_nonce', sa.String(length=32), nullable=False),
    sa.Column('recipient_email', sa.String(length=254), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('deliver_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_to', sa.String(length=254), nullable=True),
    sa.Column('first_viewed_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('views', sa.Integer(), server_default='0', nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['song_id'], ['songs.id'], name=op.f('fk_gifts_song_id_songs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gifts')),
    sa.UniqueConstraint('song_id', name=op.f('uq_gifts_song_id'))
    )
    with op.batch_alter_table('gifts', schema=None) as batch_op:
        batch_op.create_index('ix_gifts_deliver_at', ['deliver_at'], unique=False)

    op.create_table('song_covers',
    sa.Column('song_id', sa.Uuid(), nullable=False),
    sa.Column('storage_key', sa.String(length=512), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('from_photo', sa.Boolean(), nullable=False),
    sa.Column('created_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['song_id'], ['songs.id'], name=op.f('fk_song_covers_song_id_songs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('song_id', name=op.f('pk_song_covers'))
    )


def downgrade():
    op.drop_table('song_covers')
    with op.batch_alter_table('gifts', schema=None) as batch_op:
        batch_op.drop_index('ix_gifts_deliver_at')

    op.drop_table('gifts')

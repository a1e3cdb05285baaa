"""songs: lyrics approval, the singer's voice, the name's pronunciation, a closed list of languages

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import songcraft.common.db

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Copied, not imported: a migration keeps the values of its day.
LANGUAGES = ('en', 'es', 'fr', 'de', 'it', 'pt', 'uk')
VOCAL_STYLES = ('female', 'male', 'duet')
MALE_GENRES = ('rap', 'rock', 'funk', 'country', 'synthwave')  # the synthesizer's default voice per genre


def upgrade():
    with op.batch_alter_table('songs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vocal_style', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('name_pronunciation', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('approve_lyrics', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('lyrics_approved_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('approval_due_at', songcraft.common.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_songs_approval_due_at'), ['approval_due_at'], unique=False)
        batch_op.create_check_constraint(op.f('ck_songs_language'), f"language IN {LANGUAGES}")
        batch_op.create_check_constraint(op.f('ck_songs_vocal_style'), f"vocal_style IN {VOCAL_STYLES}")
    # Songs sung so far had the voice of their genre.
    op.execute(f"UPDATE songs SET vocal_style = CASE WHEN genre IN {MALE_GENRES} THEN 'male' ELSE 'female' END "
               "WHERE NOT instrumental")


def downgrade():
    with op.batch_alter_table('songs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_songs_vocal_style'), type_='check')
        batch_op.drop_constraint(op.f('ck_songs_language'), type_='check')
        batch_op.drop_index(batch_op.f('ix_songs_approval_due_at'))
        batch_op.drop_column('approval_due_at')
        batch_op.drop_column('lyrics_approved_at')
        batch_op.drop_column('approve_lyrics')
        batch_op.drop_column('name_pronunciation')
        batch_op.drop_column('vocal_style')

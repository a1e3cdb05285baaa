"""orders: needs_review and disputed statuses, what a held payment reported, discount codes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

OLD_STATUSES = ('pending', 'paid', 'fulfilled', 'expired', 'failed', 'refunded')
NEW_STATUSES = OLD_STATUSES + ('needs_review', 'disputed')


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('discount_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('discount_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('review', sa.JSON(), nullable=True))
        batch_op.drop_constraint(op.f('ck_orders_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_orders_status'), f"status IN {NEW_STATUSES}")
        batch_op.create_check_constraint(op.f('ck_orders_discount_not_negative'), 'discount_cents >= 0')
        batch_op.create_index('ix_orders_provider_reference', ['payment_provider', 'provider_reference'], unique=False)


def downgrade():
    # Orders in the new statuses have no place in the old constraint: a held payment goes back to
    # pending (what the old code left it as), a disputed order to paid.
    op.execute("UPDATE orders SET status = 'pending' WHERE status = 'needs_review'")
    op.execute("UPDATE orders SET status = 'paid' WHERE status = 'disputed'")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_provider_reference')
        batch_op.drop_constraint(op.f('ck_orders_discount_not_negative'), type_='check')
        batch_op.drop_constraint(op.f('ck_orders_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_orders_status'), f"status IN {OLD_STATUSES}")
        batch_op.drop_column('review')
        batch_op.drop_column('discount_cents')
        batch_op.drop_column('discount_code')

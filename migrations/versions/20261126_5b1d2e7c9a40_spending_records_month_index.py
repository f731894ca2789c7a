"""spending_records: an index on month, for finding the latest months of data

Revision ID: 5b1d2e7c9a40
Revises: b7c41e2a9f05
Create Date: 2026-11-26 00:40:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b1d2e7c9a40'
down_revision = 'b7c41e2a9f05'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('spending_records', schema=None) as batch_op:
        batch_op.create_index('ix_spending_records_month', ['month'], unique=False)


def downgrade():
    with op.batch_alter_table('spending_records', schema=None) as batch_op:
        batch_op.drop_index('ix_spending_records_month')

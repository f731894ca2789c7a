"""appointment slots: the open-slot index also covers bookable_until and host_id

The student's slot list counts the bookable slots and lists their hosts for the filter on every
visit; with these columns in the index both read the index alone, not every slot's row.

Revision ID: b7c41e2a9f05
Revises: 5e1a7c3b9d20
Create Date: 2026-11-26 00:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7c41e2a9f05'
down_revision = '5e1a7c3b9d20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('appointment_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_slots_open')
        batch_op.create_index('ix_appointment_slots_open', ['status', 'starts_at', 'bookable_until', 'host_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('appointment_slots', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_slots_open')
        batch_op.create_index('ix_appointment_slots_open', ['status', 'starts_at'], unique=False)

"""indexes for the plan and subsidy lists: hardship claims (status, student_id, category), students (graduation_year, student_no)

Revision ID: 5e1a7c3b9d20
Revises: db5fc0ef6b61
Create Date: 2026-11-26 00:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '5e1a7c3b9d20'
down_revision = 'db5fc0ef6b61'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hardship_claims', schema=None) as batch_op:
        batch_op.create_index('ix_hardship_claims_status_student', ['status', 'student_id', 'category'], unique=False)
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.create_index('ix_students_graduation_year_student_no', ['graduation_year', 'student_no'], unique=False)


def downgrade():
    with op.batch_alter_table('students', schema=None) as batch_op:
        batch_op.drop_index('ix_students_graduation_year_student_no')
    with op.batch_alter_table('hardship_claims', schema=None) as batch_op:
        batch_op.drop_index('ix_hardship_claims_status_student')

from tests.students.sweep_imports import EXPECTATIONS, objects  # noqa

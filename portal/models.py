"""Imports every feature's models so that the metadata is complete (Alembic, create_all)."""
from portal import feature_modules

MODEL_MODULES = feature_modules("models")

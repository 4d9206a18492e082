"""Alembic environment: the target is SQLModel's metadata; the connection comes from db.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import db.models  # noqa: F401 - registers the tables

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, compare_type=True, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()

"""Alembic revisions. Each revision is self-contained: it never imports the live tables."""

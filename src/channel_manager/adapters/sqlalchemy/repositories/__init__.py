"""Repositories over one SQLAlchemy ``Connection``; the unit of work owns the transaction."""

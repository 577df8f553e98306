"""Browser sessions and one-time sign-in tokens in the database."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from channel_manager.adapters.sqlalchemy import tables
from channel_manager.adapters.sqlalchemy.repositories.base import TableAccess
from channel_manager.adapters.sqlalchemy.rows.base import flat_from_row, flat_to_row
from channel_manager.domain.web_sessions import SigninToken, WebSession

_session_from_row = flat_from_row(WebSession)
_session_to_row = flat_to_row
_token_from_row = flat_from_row(SigninToken)


class SqlAlchemyWebSessionRepository:
    """Sessions (``web_sessions``) by the hash of their id."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.web_sessions, "session")

    def get(self, id_hash: str) -> WebSession | None:
        """The session, or None."""
        return self._rows.first_by(_session_from_row, id_hash=id_hash)

    def put(self, session: WebSession) -> None:
        """Replace the row with the same hash, or insert it (a new id is random, so two
        requests never insert the same one).
        """
        table = tables.web_sessions
        row = _session_to_row(session)
        updated = self._connection.execute(
            table.update()
            .where(table.c.id_hash == session.id_hash)
            .values(data=row["data"], expires_at=row["expires_at"])
        )
        if updated.rowcount == 0:
            self._rows.insert(row, "(session id hidden)")

    def delete(self, id_hash: str) -> None:
        """Forget the session if present."""
        self._rows.delete(id_hash, key_column="id_hash")

    def purge_expired(self, now: datetime) -> int:
        """Delete the expired sessions; how many."""
        table = tables.web_sessions
        result = self._connection.execute(table.delete().where(table.c.expires_at <= now))
        return int(result.rowcount)


class SqlAlchemySigninTokenRepository:
    """Sign-in tokens (``signin_tokens``) by the hash of the token."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._rows = TableAccess(connection, tables.signin_tokens, "sign-in token")

    def add(self, token: SigninToken) -> None:
        """Insert a new token."""
        row = {
            "token_hash": token.token_hash,
            "organization_id": token.organization_id,
            "created_at": token.created_at,
            "expires_at": token.expires_at,
        }
        self._rows.insert(row, "(token hidden)")

    def get(self, token_hash: str) -> SigninToken | None:
        """The token, or None."""
        return self._rows.first_by(_token_from_row, token_hash=token_hash)

    def take(self, token_hash: str) -> SigninToken | None:
        """``DELETE ... RETURNING``: the database lets one of concurrent takers delete it."""
        table = tables.signin_tokens
        row = (
            self._connection.execute(
                table.delete().where(table.c.token_hash == token_hash).returning(*table.c)
            )
            .mappings()
            .first()
        )
        return None if row is None else _token_from_row(row)

    def purge_expired(self, now: datetime) -> int:
        """Delete the expired tokens; how many."""
        table = tables.signin_tokens
        result = self._connection.execute(table.delete().where(table.c.expires_at <= now))
        return int(result.rowcount)

"""API keys: shown once when created, stored only as a hash, scoped to one organisation."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from uuid import UUID

import attrs

from channel_manager.application.errors import InvalidRequest, Unauthenticated
from channel_manager.domain.apikeys import ApiKey
from channel_manager.domain.errors import NotFound
from channel_manager.ports.clock import Clock, IdGenerator
from channel_manager.ports.repositories import UnitOfWorkFactory

#: Every key starts with this, so leaked keys are easy to recognise in logs and scanners.
KEY_PREFIX = "cm_"
#: How much of a key is kept in clear (``ApiKey.prefix``) to tell keys apart.
VISIBLE_PREFIX_LENGTH = 10
#: ``last_used_at`` is written at most this often per key: "last used" to the minute, without
#: a database write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_key(plaintext: str) -> str:
    """SHA-256 of the key: keys are 256-bit random, so a slow hash would add nothing."""
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


@attrs.frozen
class IssuedKey:
    """A new key: the record, and the plaintext that is shown exactly once."""

    record: ApiKey
    plaintext: str = attrs.field(repr=False)


class ApiKeyService:
    """Issues and checks API keys."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, ids: IdGenerator) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._ids = ids

    def issue(self, organization_id: UUID, name: str) -> IssuedKey:
        """Create a key for the organisation; the plaintext is returned once."""
        plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
        record = ApiKey(
            id=self._ids.new_id(),
            organization_id=organization_id,
            name=name,
            prefix=plaintext[:VISIBLE_PREFIX_LENGTH],
            key_hash=hash_key(plaintext),
            created_at=self._clock.now(),
        )
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            uow.api_keys.add(record)
            uow.commit()
        return IssuedKey(record, plaintext)

    def revoke(self, organization_id: UUID, prefix: str) -> ApiKey:
        """Revoke the organisation's active key whose visible start is ``prefix``.

        The plaintext is never stored, so an operator names a key by the prefix shown when it
        was created (the whole key works too). A prefix shared by several active keys is
        refused rather than guessed.
        """
        prefix = prefix.strip()[:VISIBLE_PREFIX_LENGTH]
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            found = [
                key
                for key in uow.api_keys.list(organization_id)
                if key.is_active and key.prefix.startswith(prefix)
            ]
            if not found or not prefix:
                raise NotFound("active api key", repr(prefix))
            if len(found) > 1:
                raise InvalidRequest(f"{len(found)} active keys start with {prefix!r}")
            revoked = found[0].revoke(self._clock.now())
            uow.api_keys.update(revoked)
            uow.commit()
        return revoked

    def revoke_named(self, organization_id: UUID, name: str) -> int:
        """Revoke every active key of the organisation called ``name`` (the demo's own key
        from an earlier run, say); how many were revoked."""
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            now = self._clock.now()
            named = [
                key
                for key in uow.api_keys.list(organization_id)
                if key.is_active and key.name == name
            ]
            for key in named:
                uow.api_keys.update(key.revoke(now))
            uow.commit()
        return len(named)

    def authenticate(self, plaintext: str | None) -> UUID:
        """The organisation of a valid, unrevoked key; ``Unauthenticated`` otherwise."""
        return self.identify(plaintext).organization_id

    def identify(self, plaintext: str | None) -> ApiKey:
        """The record of a valid, unrevoked key; ``Unauthenticated`` otherwise."""
        if not plaintext or not plaintext.startswith(KEY_PREFIX):
            raise Unauthenticated("a valid API key is required (Authorization: Bearer cm_...)")
        digest = hash_key(plaintext)
        with self._uow_factory() as uow:
            record = uow.api_keys.get_by_hash(digest)
        if (
            record is None
            or not record.is_active
            or not hmac.compare_digest(record.key_hash, digest)
        ):
            raise Unauthenticated("this API key is unknown or revoked")
        now = self._clock.now()
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_PRECISION:
            with self._uow_factory() as uow:
                uow.api_keys.record_use(record.id, now)
                uow.commit()
        return record

    def list(self, organization_id: UUID) -> list[ApiKey]:
        """The organisation's keys, revoked ones too, oldest first (hashes stay in the record;
        show ``prefix``, never more)."""
        with self._uow_factory() as uow:
            uow.organizations.get(organization_id)
            return uow.api_keys.list(organization_id)

    def check_signed_in(self, organization_id: UUID, api_key_id: UUID | None) -> UUID:
        """The organisation of a browser session, while what signed it in still holds: the
        key it was signed in with is unrevoked (a sign-in link names no key), and the
        organisation exists. ``Unauthenticated`` otherwise.
        """
        with self._uow_factory() as uow:
            try:
                uow.organizations.get(organization_id)
                record = None if api_key_id is None else uow.api_keys.get(api_key_id)
            except NotFound:
                raise Unauthenticated("this session is no longer valid; sign in again") from None
        if record is not None and (
            not record.is_active or record.organization_id != organization_id
        ):
            raise Unauthenticated("the API key this session signed in with was revoked")
        return organization_id

"""The integrations page's panel on reservations pushed to us: where the OTA push endpoint is,
whether it is on, who may push and as whom, and each connection's last push with how we
answered it. The push password is never shown: it is not even read here.
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import attrs
from lxml import etree

from channel_manager.application.queries import Queries
from channel_manager.domain.connection import Connection
from channel_manager.domain.messages import MessageLogEntry
from channel_manager.entrypoints.rest.push import PUSH_PATH
from channel_manager.settings import Settings

#: Reads our own logged answers for display only: no entities, no network.
_ANSWER_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


@attrs.frozen(kw_only=True)
class PushEndpoint:
    """The deployment's push endpoint, as a sender has to be told it."""

    url: str
    enabled: bool
    username: str | None
    #: CIDRs that may push; empty when any address may.
    allowed_senders: tuple[str, ...]
    #: Proxies whose ``X-Forwarded-For`` names the sender.
    trusted_proxies: tuple[str, ...]

    @classmethod
    def of(cls, settings: Settings) -> PushEndpoint:
        """From the settings, leaving the password where it is."""
        return cls(
            url=settings.http.public_url.rstrip("/") + PUSH_PATH,
            enabled=bool(settings.push.username and settings.push.password),
            username=settings.push.username,
            allowed_senders=tuple(str(network) for network in settings.push.allowed_ips),
            trusted_proxies=tuple(str(network) for network in settings.http.trusted_proxies),
        )


@attrs.frozen(kw_only=True)
class LastPush:
    """A connection and our answer to the last push for its hotels (``None``: none yet)."""

    connection: Connection
    answer: MessageLogEntry | None

    @property
    def succeeded(self) -> bool:
        """True when the push was stored and answered with Success."""
        return self.answer is not None and self.answer.http_status == 200

    @property
    def error(self) -> str | None:
        """What our answer told the sender was wrong (its OTA ``Error``), if it failed."""
        if self.answer is None or self.succeeded:
            return None
        return answer_error(self.answer.body)


def answer_error(body: str) -> str | None:
    """The text of the first OTA ``Error`` of a logged answer (bare or SOAP), if any."""
    try:
        root = etree.fromstring(body.encode("utf-8"), _ANSWER_PARSER)
    except (etree.XMLSyntaxError, ValueError):
        return None
    for error in root.iter("{*}Error"):
        text = (error.text or "").strip() or error.get("ShortText", "").strip()
        if text:
            return text
    return None


def last_pushes(
    queries: Queries, organization_id: UUID, connections: Iterable[Connection]
) -> list[LastPush]:
    """Each connection's last push (one indexed query per connection)."""
    return [
        LastPush(
            connection=connection,
            answer=queries.last_answer(organization_id, connection.id, PUSH_PATH),
        )
        for connection in connections
    ]

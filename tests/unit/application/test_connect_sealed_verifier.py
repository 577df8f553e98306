"""A pending authorisation's PKCE verifier is stored sealed by the vault, like every other
secret: whoever reads the database (a backup, a replica) cannot turn an intercepted code into
tokens. The code exchange still gets the plaintext verifier."""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import attrs
import pytest

from channel_manager.adapters.memory.fake_authorizers import FakeOAuth2Authorizer
from channel_manager.domain.connection import AuthMode, ConnectionStatus
from channel_manager.domain.errors import ChannelAuthError
from tests.unit.application.conftest import World


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _begin(world: World) -> tuple[str, dict[str, str]]:
    """Start the oauth2 flow; the authorisation URL and the fake channel's callback params."""
    url = world.container.connect().begin(
        world.organization.id, AuthMode.OAUTH2, binding="browser-a", channel="booking"
    )
    flow = world.container.authorizers()[AuthMode.OAUTH2]
    assert isinstance(flow, FakeOAuth2Authorizer)
    return url, flow.approve(url)


def _stored_verifier(world: World, state: str) -> str:
    with world.container.uow_factory()() as uow:
        return uow.auth_states.get(state).code_verifier


async def test_the_stored_verifier_is_sealed_and_the_exchange_uses_the_plaintext(
    world: World,
) -> None:
    url, params = _begin(world)
    stored = _stored_verifier(world, params["state"])
    verifier = world.container.credentials().open_text(stored)

    challenge = parse_qs(urlsplit(url).query)["code_challenge"][0]
    assert _s256(verifier) == challenge  # the sealed value is the verifier of this flow
    assert verifier not in stored
    # The fake channel checks the verifier against the challenge its code is bound to.
    connection = await world.container.connect().complete(
        params["state"], params, binding="browser-a", channel="booking"
    )
    assert connection.status is ConnectionStatus.ACTIVE


async def test_a_verifier_that_cannot_be_opened_connects_nothing(world: World) -> None:
    _, params = _begin(world)
    with world.container.uow_factory()() as uow:
        state = uow.auth_states.get(params["state"])
        uow.auth_states.update(attrs.evolve(state, code_verifier="v1:other-key:AAAA"))
        uow.commit()

    with pytest.raises(ChannelAuthError, match="start it again"):
        await world.container.connect().complete(
            params["state"], params, binding="browser-a", channel="booking"
        )
    assert world.container.queries().connections(world.organization.id) == []

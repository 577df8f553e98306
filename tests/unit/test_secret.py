"""`Secret` never shows its value by accident, and reveals it exactly on request."""

from __future__ import annotations

import logging
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from channel_manager.ports.vault import Secret

MASK = "Secret('***')"


@pytest.mark.parametrize("value", ["hunter22", b"hunter22"])
def test_every_way_of_printing_a_secret_is_masked(value: bytes | str) -> None:
    secret = Secret(value)
    renderings = [
        repr(secret),
        str(secret),
        f"{secret}",
        f"{secret!r}",
        f"{secret:>40}",
        "%s" % secret,  # noqa: UP031 -- %-formatting is what logging uses
        "%r" % (secret,),  # noqa: UP031
        repr([secret]),
        repr({"password": secret}),
        format(secret, "s"),
    ]
    for rendering in renderings:
        assert "hunter22" not in rendering
        assert MASK in rendering


def test_logging_a_secret_shows_the_mask(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("channel_manager.tests.secret").info("credential=%s", Secret("hunter22"))
    assert "hunter22" not in caplog.text
    assert f"credential={MASK}" in caplog.text


@given(value=st.one_of(st.binary(), st.text()))
def test_reveal_returns_the_exact_value_and_type(value: bytes | str) -> None:
    secret = Secret(value)
    assert secret.reveal() == value
    assert type(secret.reveal()) is type(value)
    assert secret.is_text == isinstance(value, str)


@given(text=st.text())
def test_text_and_bytes_views_convert_through_utf8(text: str) -> None:
    assert Secret(text).reveal_bytes() == text.encode()
    assert Secret(text.encode()).reveal_text() == text
    assert Secret(text).reveal_text() == text


def test_equality_compares_values_and_kinds() -> None:
    assert Secret("a") == Secret("a")
    assert Secret("a") != Secret("b")
    assert Secret("a") != Secret(b"a")
    assert Secret("a") != "a"
    assert hash(Secret("a")) == hash(Secret("a"))
    assert len({Secret("a"), Secret("a"), Secret(b"a")}) == 2


def test_only_bytes_or_text_can_be_wrapped() -> None:
    with pytest.raises(TypeError):
        Secret(1234)  # type: ignore[arg-type]


def test_secret_survives_pickling_for_worker_processes() -> None:
    # pickle of an object we just made ourselves: no untrusted input involved.
    restored = pickle.loads(pickle.dumps(Secret("hunter22")))
    assert restored == Secret("hunter22")


def test_secret_has_no_instance_dictionary_to_dump() -> None:
    # With __slots__, vars() cannot spill the value into a debug print or a JSON encoder.
    with pytest.raises(TypeError):
        vars(Secret("hunter22"))

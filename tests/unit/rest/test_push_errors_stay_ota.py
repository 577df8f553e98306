"""A browser's Accept header changes nothing at the OTA push endpoint: its errors stay OTA XML
(or JSON for a method it does not take), never an HTML page."""

from __future__ import annotations

from tests.unit.rest.conftest import MappedHotel, PushClient
from tests.unit.rest.messages import ota_errors
from tests.unit.rest.test_push_refusals import PATH, basic, post

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_refused_push_is_answered_in_ota_xml_whatever_the_caller_accepts(
    client: PushClient, hotel: MappedHotel
) -> None:
    for refused in (
        post(client, b"<not-ota/>", headers=BROWSER),
        post(client, b"<not-ota/>", headers=BROWSER, authorization=basic("nobody", "wrong")),
    ):
        assert 400 <= refused.status_code < 500, refused.text
        assert "xml" in refused.headers["content-type"], refused.headers
        assert "<html" not in refused.text
        assert ota_errors(refused.content)


def test_a_wrong_method_at_the_push_endpoint_is_no_html_page(client: PushClient) -> None:
    answer = client.get(PATH, headers=BROWSER)

    assert answer.status_code == 405
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.json()["error"]["status"] == 405

"""Paths to the sample messages and the 2015B schemas, and a session-wide schema cache."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
OPENTRAVEL_SAMPLES = RESOURCES / "ota-samples" / "opentravel-2011B"
BOOKING_SAMPLES = RESOURCES / "booking"
SCHEMA_DIR = RESOURCES / "ota-xsd" / "2015B"


def opentravel_sample(name: str) -> bytes:
    """The bytes of one OpenTravel 2011B sample message."""
    return (OPENTRAVEL_SAMPLES / name).read_bytes()


def booking_sample(name: str) -> bytes:
    """The bytes of one of our Booking.com-style samples."""
    return (BOOKING_SAMPLES / name).read_bytes()


class OtaSchemas:
    """The 2015B schemas, each compiled on first use and kept for the whole session."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._compiled: dict[str, etree.XMLSchema] = {}

    def schema(self, message_name: str) -> etree.XMLSchema:
        if message_name not in self._compiled:
            path = self._directory / f"{message_name}.xsd"
            self._compiled[message_name] = etree.XMLSchema(etree.parse(str(path)))
        return self._compiled[message_name]

    def assert_valid(self, data: bytes) -> None:
        """Fail with the schema's own error log unless ``data`` is a valid OTA message."""
        root = etree.fromstring(data)
        schema = self.schema(etree.QName(root).localname)
        if not schema.validate(root):
            raise AssertionError(f"{etree.QName(root).localname} invalid:\n{schema.error_log}")

"""OTA response documents: `<Success/>` with optional `<Warnings>`, or `<Errors>`."""

from __future__ import annotations

import datetime as dt

from attrs import frozen
from lxml import etree

from booking_sandbox.xml import ota_root, serialize, sub

#: OTA error types used by the sandbox (OTA code list EWT).
TYPE_UNKNOWN = "1"
TYPE_BIZ_RULE = "3"
TYPE_AUTHORIZATION = "6"
TYPE_REQUIRED_FIELD = "10"
TYPE_SYSTEM = "12"


@frozen
class Issue:
    """One error or warning; `rph` is the offending item's 1-based position in the request.

    The position goes out as `RecordID` (Error has no RPH attribute in the OTA schema) and the
    text as element content; `ShortText` is cut to the schema's 64 characters.
    """

    type: str
    code: str
    text: str
    rph: int | None = None
    status: str = "NotProcessed"

    def element(self, parent: etree._Element, tag: str) -> etree._Element:
        """Render as `<Error>` / `<Warning>` under `parent`."""
        attributes = {"Type": self.type, "Code": self.code, "Status": self.status}
        if self.rph is not None:
            attributes["RecordID"] = str(self.rph)
        element = sub(parent, tag, **attributes, ShortText=self.text[:64])
        element.text = self.text
        return element


def ota_response(
    tag: str,
    version: str,
    now: dt.datetime,
    *,
    errors: list[Issue] | None = None,
    warnings: list[Issue] | None = None,
) -> etree._Element:
    """An RS root holding Errors (if any errors) or Success plus optional Warnings."""
    root = ota_root(tag, version, now)
    if errors:
        container = sub(root, "Errors")
        for issue in errors:
            issue.element(container, "Error")
        return root
    sub(root, "Success")
    if warnings:
        container = sub(root, "Warnings")
        for issue in warnings:
            issue.element(container, "Warning")
    return root


def ota_error_document(tag: str, version: str, now: dt.datetime, issue: Issue) -> bytes:
    """A serialized RS with one Error."""
    return serialize(ota_response(tag, version, now, errors=[issue]))

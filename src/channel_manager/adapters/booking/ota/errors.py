"""The one error the OTA codec raises, and the OTA error codes it uses.

Codes come from the OpenTravel "Error Codes" list (ERR) and types from "Error Warning Type"
(EWT), so the push endpoint can copy them straight into an ``<Error Type Code ShortText>``:

===== ======================================= ======================================
code  meaning (ERR)                           when we use it
===== ======================================= ======================================
320   Invalid value                           an attribute or text has the wrong form
321   Required field missing                  a required element or attribute is absent
448   System error                            our own failure (answer 5xx, sender retries)
450   Unable to process                       not XML, hostile XML, too big, too deep,
                                              wrong root element
===== ======================================= ======================================
"""

from __future__ import annotations

from enum import IntEnum


class OtaErrorCode(IntEnum):
    """The OpenTravel ERR codes the codec reports."""

    INVALID_VALUE = 320
    REQUIRED_FIELD_MISSING = 321
    SYSTEM_ERROR = 448
    UNABLE_TO_PROCESS = 450


#: OpenTravel Error Warning Type (EWT) for each code: 3 business rule, 7 protocol violation,
#: 10 required field missing, 13 application error.
_ERROR_TYPES: dict[OtaErrorCode, str] = {
    OtaErrorCode.INVALID_VALUE: "3",
    OtaErrorCode.REQUIRED_FIELD_MISSING: "10",
    OtaErrorCode.SYSTEM_ERROR: "13",
    OtaErrorCode.UNABLE_TO_PROCESS: "7",
}


class OtaParseError(Exception):
    """An OTA (or B.XML) message that is malformed, hostile or missing what we need.

    ``ota_code`` is the OpenTravel ERR code to answer with; ``message`` is a readable sentence
    that names the element or attribute at fault.
    """

    def __init__(self, ota_code: OtaErrorCode, message: str) -> None:
        super().__init__(f"OTA error {int(ota_code)}: {message}")
        self.ota_code = ota_code
        self.message = message

    @property
    def error_type(self) -> str:
        """The OpenTravel EWT code that goes into ``Error/@Type``."""
        return _ERROR_TYPES[self.ota_code]

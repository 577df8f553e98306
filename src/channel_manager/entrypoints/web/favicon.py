"""``/favicon.ico``: browsers and tools ask for it whatever the pages link; it leads to the
SVG icon the pages link (``static/favicon.svg``) instead of answering 404."""

from __future__ import annotations

from litestar import get
from litestar.response import Redirect

FAVICON_PATH = "/static/favicon.svg"


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Redirect:
    """A permanent redirect to the SVG icon (every current browser shows SVG icons)."""
    return Redirect(FAVICON_PATH, status_code=301, headers={"Cache-Control": "max-age=86400"})

"""The sandbox's few HTML pages (consent, Extranet): one look, clearly marked as a stand-in."""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_STYLE = """
body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#f2f6fa}
header{background:#003580;color:#fff;padding:.8rem 1.5rem;font-weight:700}
header small{font-weight:400;opacity:.85;margin-left:.5rem}
main{max-width:40rem;margin:2rem auto;background:#fff;border-radius:8px;padding:1.5rem 2rem;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin-top:0}
ul{list-style:none;padding:0}li{margin:.4rem 0}
button{font:inherit;padding:.5rem 1.2rem;border-radius:4px;border:1px solid #006ce4;
background:#fff;color:#006ce4;cursor:pointer;margin-right:.5rem}
button[value=approve],button[value=request]{background:#006ce4;color:#fff}
button:focus-visible,input:focus-visible{outline:3px solid #febb02;outline-offset:2px}
"""


def html_page(title: str, body: str, status: int = 200) -> HTMLResponse:
    """A page with the sandbox banner; ``body`` is trusted HTML built by the caller."""
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        "<header>Booking.com<small>sandbox: a local stand-in, not the real Booking.com</small>"
        f"</header><main><h1>{escape(title)}</h1>{body}</main></body></html>",
        status_code=status,
    )

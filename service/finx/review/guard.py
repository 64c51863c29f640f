"""The guard in front of the review page: which host names it answers to, which requests may
change anything, and the headers that keep other sites out.

- Host allow-list and cross-site writes: `finx.web_guard`'s rules, the same as the HTTP API's
  (403 with the reason; a DNS-rebinding page reads nothing).
- Writes (every method but GET, HEAD and OPTIONS) come only from the page itself: besides the
  cross-site rule (no origins are allowed beside the page's own), the request must carry
  the session's CSRF token, rendered into every page (`CSRF_FIELD` in a urlencoded form,
  `CSRF_HEADER` from a script). A refused request changes nothing and gets 403 with a one-line reason.
- Every response carries a Content-Security-Policy that runs only the scripts and styles marked
  with this response's nonce (`request.state.csp_nonce`), sends requests and forms only to the page's
  own origin and forbids framing (`frame-ancestors 'none'`), plus `X-Content-Type-Options: nosniff`,
  `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.
Knows nothing about documents or reviews.
"""

import hmac
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from finx.web_guard import SAFE_METHODS, HostAllowList, cross_site_refusal

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def content_security_policy(nonce: str) -> str:
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class RequestGuard(BaseHTTPMiddleware):
    """Host allow-list, same-origin writes with a CSRF token, and protective headers (see module)."""

    def __init__(self, app: Any, bound_host: str, allowed_hosts: Iterable[str], csrf_token: str) -> None:
        super().__init__(app)
        self.hosts = HostAllowList(bound_host, allowed_hosts)
        self.csrf_token = csrf_token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        refusal = await self.refusal(request)
        if refusal is not None:
            return self.protect(PlainTextResponse(refusal + "\n", status_code=403), secrets.token_urlsafe(16))
        request.state.csp_nonce = nonce = secrets.token_urlsafe(16)
        request.state.csrf_token = self.csrf_token
        return self.protect(await call_next(request), nonce)

    async def refusal(self, request: Request) -> str | None:
        """Why the request is refused, or None."""
        refused = self.hosts.refusal(request.headers.get("host", ""), "finx review --allow-host")
        if refused is not None or request.method in SAFE_METHODS:
            return refused
        own = f"{request.url.scheme}://{request.headers.get('host', '')}"
        refused = cross_site_refusal(request.method, request.headers, own)
        if refused is not None:
            return refused
        offered = request.headers.get(CSRF_HEADER)
        if offered is None and request.headers.get("content-type", "").startswith(FORM_CONTENT_TYPE):
            # the body, not request.form(): Starlette hands a read body on to the route, a parsed form not
            offered = next(iter(parse_qs((await request.body()).decode("utf-8", "replace")).get(CSRF_FIELD, [])), "")
        if not hmac.compare_digest((offered or "").encode(), self.csrf_token.encode()):
            return "refused: missing or wrong CSRF token (reload the page and try again)"
        return None

    @staticmethod
    def protect(response: Response, nonce: str) -> Response:
        response.headers["Content-Security-Policy"] = content_security_policy(nonce)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

"""The guard in front of the review page (and any later browser-facing HTTP surface): which host
names it answers to, which requests may change anything, and the headers that keep other sites out.

- Host allow-list: the `Host` header must name the bound address, a loopback name (`127.0.0.1`,
  `localhost`, `::1`) or a name the operator allowed (`--allow-host NAME`). A DNS-rebinding page,
  whose requests carry its own host name, is refused (403) and reads nothing.
- Writes (every method but GET, HEAD and OPTIONS) come only from the page itself: a cross-site
  `Sec-Fetch-Site` or an `Origin` other than the page's own is refused, and the request must carry
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

from finx.config import LOOPBACK_HOSTS

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def host_name(host_header: str) -> str:
    """The name of a `Host` header without its port (`[::1]:8765` -> `::1`), lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def content_security_policy(nonce: str) -> str:
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )


class RequestGuard(BaseHTTPMiddleware):
    """Host allow-list, same-origin writes with a CSRF token, and protective headers (see module)."""

    def __init__(self, app: Any, bound_host: str, allowed_hosts: Iterable[str], csrf_token: str) -> None:
        super().__init__(app)
        self.hosts = {host_name(name) for name in (*LOOPBACK_HOSTS, bound_host, *allowed_hosts)}
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
        host = host_name(request.headers.get("host", ""))
        if host not in self.hosts:
            return f"host not allowed: {host or '(none)'} (finx review --allow-host {host or 'NAME'} allows it)"
        if request.method in SAFE_METHODS:
            return None
        fetch_site = request.headers.get("sec-fetch-site")
        if fetch_site not in (None, "same-origin", "none"):
            return f"refused: a {fetch_site} request may not change anything"
        origin = request.headers.get("origin")
        own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
        # under `Referrer-Policy: no-referrer` a browser sends `Origin: null` with the page's own
        # forms; `Sec-Fetch-Site: same-origin`, which no page can forge, vouches for those
        vouched = origin == "null" and fetch_site == "same-origin"
        if origin is not None and origin.lower() != own and not vouched:
            return f"refused: a request from {origin} may not change anything"
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

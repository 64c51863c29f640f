"""The rules every browser-reachable HTTP surface of finx applies (the HTTP API and the review page):
which host names it answers to, and which requests from a browser may change anything.

- Host allow-list: the `Host` header must name the bound address, a loopback name (`127.0.0.1`,
  `localhost`, `::1`) or a name the operator allowed (`--allow-host NAME`). A DNS-rebinding page,
  whose requests carry its own host name, is refused and reads nothing.
- Cross-site writes: a request that may change anything (every method but GET, HEAD, OPTIONS)
  is refused when the browser marks it cross-site or same-site (`Sec-Fetch-Site`, which no page
  can forge) or names an `Origin` other than the surface's own, unless that origin was allowed
  (`--allow-origin ORIGIN`, for a web app that calls the API on purpose, with CORS).

Pure functions over header values; knows nothing about Starlette, documents or reviews.
"""

from collections.abc import Iterable, Mapping

from finx.config import LOOPBACK_HOSTS

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_SHOWN = 80
"""Header values quoted in a refusal are cut to this many characters."""


def host_name(host_header: str) -> str:
    """The name of a `Host` header without its port (`[::1]:8765` -> `::1`), lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def shown(value: str) -> str:
    """A header value as a refusal quotes it: bounded, never echoed whole."""
    return value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "..."


class HostAllowList:
    """The host names a surface answers to: loopback, the bound address, and the operator's."""

    def __init__(self, bound_host: str, allowed: Iterable[str] = ()) -> None:
        self.names = {host_name(name) for name in (*LOOPBACK_HOSTS, bound_host, *allowed)}

    def refusal(self, host_header: str, flag: str) -> str | None:
        """Why a request with this `Host` is refused (`flag` names the command's option), or None."""
        host = host_name(host_header)
        if host in self.names:
            return None
        name = shown(host) if host else ""
        return f"host not allowed: {name or '(none)'} ({flag} {name or 'NAME'} allows it)"


def cross_site_refusal(
    method: str, headers: Mapping[str, str], own_origin: str, allowed_origins: Iterable[str] = ()
) -> str | None:
    """Why a browser's request may not change anything here, or None (see the module).

    Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` with a page's own forms;
    `Sec-Fetch-Site: same-origin` vouches for those."""
    if method.upper() in SAFE_METHODS:
        return None
    origin = headers.get("origin")
    allowed = {item.rstrip("/").lower() for item in allowed_origins}
    if origin is not None and origin.rstrip("/").lower() in allowed:
        return None
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site not in (None, "same-origin", "none"):
        return f"refused: a {shown(fetch_site)} request may not change anything"
    vouched = origin == "null" and fetch_site == "same-origin"
    if origin is not None and origin.lower() != own_origin.lower() and not vouched:
        return f"refused: a request from {shown(origin)} may not change anything (--allow-origin allows one)"
    return None

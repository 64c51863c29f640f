"""The review page (Starlette, server-rendered HTML): a queue of documents, least confident first,
each shown with its values highlighted in the text; the reviewer accepts, corrects (typing, or
selecting the right text in the document) or clears each value, and saves the document.

Routes: `GET /` (the next document to review, or the summary when all are done), `GET /doc/{n}`,
`POST /doc/{n}` (save the corrected object, go to the next), `POST /doc/{n}/draft` (one field's
decision, kept at once), `GET /health`. Off loopback a bearer token is required (the service's
rule): an `Authorization: Bearer` header, or a cookie set by opening `/?token=...` once. In front
of everything, `guard.RequestGuard`: known host names only, writes only from the page itself
(origin checks and a CSRF token rendered into every page), and protective headers.
"""

import asyncio
import json
import secrets
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from finx.auth import bearer_token, token_matches
from finx.errors import FinxError
from finx.review.guard import RequestGuard
from finx.review.pages import page_views, render_page
from finx.review.session import ReviewItem, ReviewSession

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=select_autoescape(["html"])
)
TOKEN_COOKIE = "finx_review_token"


def create_app(
    session: ReviewSession,
    token: str | None = None,
    bound_host: str = "127.0.0.1",
    allowed_hosts: tuple[str, ...] = (),
) -> Starlette:
    """The review page for `session`; `allowed_hosts` are host names answered besides the bound
    address and the loopback names."""

    async def home(request: Request) -> Response:
        index = session.next_index()
        if index is None:
            return page("done.html", request, session=session)
        return RedirectResponse(f"/doc/{index}", status_code=303)

    async def show(request: Request) -> Response:
        index = int(request.path_params["index"])
        try:
            item = session.item(index)
        except FinxError as error:
            return HTMLResponse(str(error), status_code=404)
        return page("document.html", request, session=session, index=index, item=item,
                    fields=fields_of(session, item), segments=segments(item), pages=page_views(item),
                    error=request.query_params.get("error"))  # fmt: skip

    async def page_image(request: Request) -> Response:
        try:
            item = session.item(int(request.path_params["index"]))
            png = await asyncio.to_thread(render_page, item, int(request.path_params["number"]))
        except FinxError as error:
            return HTMLResponse(str(error), status_code=404)
        return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})

    async def save(request: Request) -> Response:
        index = int(request.path_params["index"])
        item = session.item(index)
        form = await request.form()
        try:
            target = {name: parse_field(spec, str(form.get(name, ""))) for name, spec in properties(session).items()}
            offsets = {name: json.loads(str(form[f"{name}__span"])) for name in target if form.get(f"{name}__span")}
            session.save(item, target, offsets)
        except (FinxError, ValueError) as error:
            return RedirectResponse(f"/doc/{index}?error={str(error)[:300]}", status_code=303)
        following = session.next_index(index)
        return RedirectResponse("/" if following is None else f"/doc/{following}", status_code=303)

    async def draft(request: Request) -> Response:
        item = session.item(int(request.path_params["index"]))
        body = await request.json()
        try:
            name = str(body["name"])
            value = parse_field(properties(session).get(name, {}), str(body.get("raw", "")))
            session.draft(item, name, value, body.get("span"))
        except (FinxError, ValueError, KeyError) as error:
            return JSONResponse({"saved": False, "error": str(error)}, status_code=400)
        return JSONResponse({"saved": True})

    async def health(request: Request) -> Response:
        return JSONResponse({"documents": len(session.items), "done": session.done})

    csrf_token = secrets.token_urlsafe(32)
    middleware = [Middleware(RequestGuard, bound_host=bound_host, allowed_hosts=allowed_hosts, csrf_token=csrf_token)]
    if token:
        middleware.append(Middleware(TokenMiddleware, token=token))
    return Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/doc/{index:int}", show),
            Route("/doc/{index:int}", save, methods=["POST"]),
            Route("/doc/{index:int}/draft", draft, methods=["POST"]),
            Route("/doc/{index:int}/page/{number:int}.png", page_image),
        ],
        middleware=middleware,
    )


class TokenMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        offered = bearer_token(request.headers.get("authorization"))
        offered = offered or request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)
        if not token_matches(offered, self.token):
            return HTMLResponse("missing or wrong token (open /?token=... once)", status_code=401)
        response = await call_next(request)
        if "token" in request.query_params:
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")  # it matched
        return response


def page(template: str, request: Request, **context: Any) -> HTMLResponse:
    """A rendered page; its scripts and styles carry the response's CSP nonce, its forms the CSRF token."""
    state = request.state
    return HTMLResponse(
        TEMPLATES.get_template(template).render(nonce=state.csp_nonce, csrf=state.csrf_token, **context)
    )


def properties(session: ReviewSession) -> dict[str, dict[str, Any]]:
    return session.schema.json_schema["properties"]


def non_null(spec: dict[str, Any]) -> dict[str, Any]:
    return next((option for option in spec.get("anyOf", []) if option != {"type": "null"}), spec)


def kind_of(spec: dict[str, Any]) -> str:
    """How a field is edited: `text` (a string), `number`, `boolean`, `lines` (a list of strings,
    one per line) or `json` (anything else)."""
    inner = non_null(spec)
    kind = inner.get("type")
    if kind == "array" and inner.get("items", {}).get("type") == "string":
        return "lines"
    if "enum" in inner or kind == "string":
        return "text"
    return {"number": "number", "integer": "number", "boolean": "boolean"}.get(str(kind), "json")


def parse_field(spec: dict[str, Any], raw: str) -> Any:
    """A form value as the field's JSON value (empty = null, or an empty list)."""
    kind = kind_of(spec)
    if kind == "lines":
        return [line.strip() for line in raw.splitlines() if line.strip()]
    if not raw.strip():
        return [] if non_null(spec).get("type") == "array" else None
    if kind == "text":
        return raw
    return json.loads(raw)


def show_field(kind: str, value: Any) -> str:
    if value is None:
        return ""
    if kind == "lines":
        return "\n".join(str(item) for item in value)
    return value if kind == "text" else json.dumps(value, ensure_ascii=False)


def fields_of(session: ReviewSession, item: ReviewItem) -> list[dict[str, Any]]:
    values = session.current_values(item)
    spans = session.current_spans(item)
    located = {source["path"]: source for source in item.sources}
    out = []
    for name, spec in properties(session).items():
        kind = kind_of(spec)
        source = located.get(name, {})
        page_line = f"p.{source['page']} l.{source['line']}" if source.get("page") else ""
        confidences = [c for path, c in item.confidence.items() if path == name or path.startswith(f"{name}[")]
        out.append({
            "name": name, "kind": kind, "value": show_field(kind, values.get(name)),
            "confidence": min(confidences) if confidences else None, "where": page_line,
            "span": json.dumps(spans[name]) if name in spans else "",
            "withheld": [
                {"path": held.get("path", ""), "value": held.get("value", ""),
                 "reason": str(held.get("reason") or "").replace("_", " ")}
                for held in item.withheld
                if held.get("path") == name or str(held.get("path", "")).startswith((f"{name}[", f"{name}."))
            ],
        })  # fmt: skip
    return out


def segments(item: ReviewItem) -> list[dict[str, Any]]:
    """The document text cut into plain and highlighted pieces (one per located value)."""
    text = item.document.text
    marks = sorted(
        (source["start"], source["end"], source["path"], item.confidence.get(source["path"]))
        for source in item.sources
        if source.get("start") is not None and source.get("end") is not None
    )
    pieces: list[dict[str, Any]] = []
    position = 0
    for start, end, path, confidence in marks:
        if start < position:
            continue  # overlapping spans: the first one is shown
        pieces.append({"text": text[position:start]})
        pieces.append({"text": text[start:end], "path": path, "confidence": confidence})
        position = end
    pieces.append({"text": text[position:]})
    return pieces

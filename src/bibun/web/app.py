"""The web workbench application: `create_app()` builds the FastAPI app.

What it adds around the API (:mod:`bibun.web.api`) and why:

* **static page** – index.html, app.js, style.css from this package, served from a
  fixed table of names (no path from a request ever reaches the file system), and
  plotly.min.js from the installed ``plotly`` Python package, so nothing is fetched
  from the internet and no third-party bundle lives in the repository;
* **/docs** – our own small viewer of ``/openapi.json``: FastAPI's default Swagger UI
  loads its scripts from a CDN, which a workbench that runs offline cannot do;
* **body limit** – requests larger than :data:`MAX_BODY` are refused with 413 before
  parsing, so a 100 MB upload never reaches JSON decoding;
* **security headers** – a CSP without inline scripts, nosniff, no framing, no referrer;
* **host check** – only the names the server was bound to (DNS-rebinding defence for a
  server on localhost); **no CORS** – other origins cannot read responses, and JSON
  POSTs from them are pre-flighted and refused;
* **JSON only** – a POST without ``Content-Type: application/json`` is 415.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from bibun.web.api import router
from bibun.web.pool import Compute

#: whole request body limit (two 10 KB formulas plus the rest of the JSON fit easily)
MAX_BODY = 32 * 1024

CSP = ("default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

#: the only files the server reads on behalf of a request: name -> (file, media type)
STATIC = {
    "index.html": ("index.html", "text/html; charset=utf-8"),
    "docs.html": ("docs.html", "text/html; charset=utf-8"),
    "app.js": ("app.js", "text/javascript; charset=utf-8"),
    "docs.js": ("docs.js", "text/javascript; charset=utf-8"),
    "style.css": ("style.css", "text/css; charset=utf-8"),
    "icon.svg": ("icon.svg", "image/svg+xml"),
}

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


def _static_dir() -> Path:
    return Path(str(files("bibun.web").joinpath("static")))


def plotly_js() -> Path:
    """plotly.min.js as shipped inside the installed plotly Python package."""
    path = Path(str(files("plotly").joinpath("package_data", "plotly.min.js")))
    if not path.is_file():  # pragma: no cover - a broken plotly install
        raise FileNotFoundError(f"plotly.min.js not found at {path}")
    return path


async def _plain(send: Callable, status: int, message: str) -> None:
    import json

    body = json.dumps({"detail": {"kind": "request", "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Pure ASGI middleware: body limit, JSON-only POSTs and security headers.

    The body is read (up to the limit) before the application sees it and replayed as
    one message, so an oversized body is refused without ever being parsed.
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", [])
                           if h[0].lower() not in {k for k, _ in SECURITY_HEADERS}]
                message = {**message, "headers": headers + SECURITY_HEADERS}
            await send(message)

        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _plain(send_with_headers, 413,
                         f"request body too large (the limit is {self.max_body:,} bytes;"
                         f" a formula may have up to 10,000 characters)")
            return
        if scope["method"] == "POST":
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if ctype != b"application/json":
                await _plain(send_with_headers, 415, "send JSON with Content-Type:"
                                                     " application/json")
                return
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    return
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > self.max_body:
                    await _plain(send_with_headers, 413, f"request body too large (the limit"
                                                         f" is {self.max_body:,} bytes)")
                    return
                chunks.append(chunk)
                if not message.get("more_body"):
                    break
            body = b"".join(chunks)
            sent = False

            async def replay() -> dict:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors()[:3]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", ""))
    return "; ".join(parts) or "invalid request"


def create_app(workers: int | None = None, slow_workers: int = 1,
               budget: float = 1.6, fast_budget: float = 0.1,
               allowed_hosts: Iterable[str] | None = None) -> FastAPI:
    """Build the workbench app.

    ``workers`` fast-lane processes (default: 4 per CPU, 4 to 8), ``slow_workers``
    for tasks that overrun ``fast_budget``; ``budget`` is the whole per-request compute
    limit in seconds.  ``allowed_hosts`` are the Host header values accepted (default:
    the loopback names).
    """
    # more fast workers than cores on purpose: while some of them grind through a
    # formula that will overrun its budget, the OS still time-slices the cheap requests
    n = workers or max(4, min(8, 4 * (os.cpu_count() or 2)))
    lock = threading.Lock()
    holder: dict[str, Compute] = {}

    def get_compute() -> Compute:
        """The pool, started on first use if the lifespan did not start it (tests that
        drive the app without a lifespan still work)."""
        with lock:
            if "c" not in holder:
                holder["c"] = Compute(fast_workers=n, slow_workers=slow_workers,
                                      fast_budget=fast_budget, total_budget=budget)
            return holder["c"]

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        get_compute()
        yield
        with lock:
            c = holder.pop("c", None)
        if c is not None:
            c.close()

    app = FastAPI(
        title="bibun workbench API",
        version=_version(),
        description="Derivatives in textbook form, step-by-step explanations, numeric and "
                    "automatic checks, tangents, series, gradient descent and computational "
                    "graphs. Every formula is parsed by bibun's grammar, never evaluated as "
                    "code; each request has a compute budget.",
        docs_url=None, redoc_url=None, lifespan=lifespan,
    )
    app.state.get_compute = get_compute
    app.include_router(router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": {"kind": "validation",
                                        "message": _validation_message(exc)}}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {
            "kind": "request", "message": str(exc.detail)}
        return JSONResponse({"detail": detail}, exc.status_code, headers=exc.headers)

    static = _static_dir()

    def _file(name: str) -> FileResponse:
        fname, media = STATIC[name]
        return FileResponse(static / fname, media_type=media,
                            headers={"cache-control": "no-cache"})

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def index() -> Response:
        return _file("index.html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return _file("icon.svg")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> Response:
        return _file("docs.html")

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(name: str) -> Response:
        if name not in STATIC:
            return JSONResponse({"detail": {"kind": "request", "message": "not found"}}, 404)
        return _file(name)

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    async def plotly() -> Response:
        return FileResponse(plotly_js(), media_type="text/javascript; charset=utf-8",
                            headers={"cache-control": "public, max-age=86400"})

    hosts = list(allowed_hosts) if allowed_hosts is not None else \
        ["127.0.0.1", "localhost", "[::1]", "::1"]
    if "*" not in hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=hosts)
    app.add_middleware(Guard)
    return app


def _version() -> str:
    from bibun import __version__

    return __version__

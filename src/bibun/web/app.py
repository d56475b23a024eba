"""The web workbench application: `create_app()` builds the FastAPI app.

What it adds around the API (:mod:`bibun.web.api`) and why:

* **static page** – index.html, app.js, plot.js (the page's own SVG plots), style.css
  from this package, served from a fixed table of names (no path from a request ever
  reaches the file system), so nothing is fetched from the internet;
* **/docs** – our own small viewer of ``/openapi.json``: FastAPI's default Swagger UI
  loads its scripts from a CDN, which a workbench that runs offline cannot do;
* **body limit** – requests larger than :data:`MAX_BODY` are refused with 413 before
  parsing, so a 100 MB upload never reaches JSON decoding;
* **security headers** – a CSP without inline scripts, nosniff, no framing, no referrer;
* **host check** – only the names the server was bound to (DNS-rebinding defence for a
  server on localhost), answered in the error vocabulary below; **no CORS** – other
  origins cannot read responses, and JSON POSTs from them are pre-flighted and refused;
* **JSON only** – a POST to an operation without ``Content-Type: application/json`` is
  415 (a POST where there is no such operation is the router's 405 with ``Allow``, or 404);
* **slow bodies** – a body that has not arrived after :data:`BODY_TIMEOUT` seconds is
  refused with 408 and its connection closed (uvicorn closes idle keep-alive connections);
* **compression and caching** – static files are gzipped once and kept in memory, served
  with an ETag (304 when unchanged); JSON answers over 1 KB are gzipped on the fly;
* **one error vocabulary** – every error is ``{"detail": {"kind", "message"}}`` with the
  message in the request's language (its ``lang`` field, else ``Accept-Language``), from
  bibun's catalogs: no framework or Python exception text (:mod:`bibun.web.errors`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

import anyio
from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from bibun import i18n
from bibun.web import first
from bibun.web.api import PageIn, router
from bibun.web.errors import http_detail, validation_message
from bibun.web.pool import BudgetExceeded, Busy, Compute, WorkerCrashed
from bibun.web.practice_api import router as practice_router

#: whole request body limit (two 10 KB formulas plus the rest of the JSON fit easily)
MAX_BODY = 32 * 1024
#: seconds a client has to send a whole request body (a body that trickles in forever
#: would otherwise hold its connection and a slot of the server)
BODY_TIMEOUT = 10.0
#: the OpenType math font (Latin Modern Math from Debian's fonts-lmodern, which the
#: Makefile installs), served to the page so every browser typesets with it
MATH_FONTS = [Path("/usr/share/texmf/fonts/opentype/public/lm-math/latinmodern-math.otf"),
              Path("/usr/share/fonts/opentype/lmodern/latinmodern-math.otf")]

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
    "numtext.js": ("numtext.js", "text/javascript; charset=utf-8"),
    "plot.js": ("plot.js", "text/javascript; charset=utf-8"),
    "app.js": ("app.js", "text/javascript; charset=utf-8"),
    "cards.js": ("cards.js", "text/javascript; charset=utf-8"),
    "modes.js": ("modes.js", "text/javascript; charset=utf-8"),
    "practice.js": ("practice.js", "text/javascript; charset=utf-8"),
    "views.js": ("views.js", "text/javascript; charset=utf-8"),
    "docs.js": ("docs.js", "text/javascript; charset=utf-8"),
    "style.css": ("style.css", "text/css; charset=utf-8"),
    "icon.svg": ("icon.svg", "image/svg+xml"),
}

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]


def _static_dir() -> Path:
    return Path(str(files("bibun.web").joinpath("static")))


def header_lang(headers: dict[bytes, bytes] | Any) -> str:
    """The language of an ``Accept-Language`` header that bibun speaks (else English): the
    messages of errors that happen before a request's ``lang`` field can be read."""
    raw = headers.get(b"accept-language", b"") if isinstance(headers, dict) else \
        (headers.get("accept-language") or "").encode()
    for part in raw.decode("latin-1").split(","):
        found = i18n.lang_of(part.split(";")[0])
        if found:
            return found
    return i18n.FALLBACK


def host_name(raw: bytes) -> str:
    """The name part of a Host header: ``[::1]:8000`` → ``[::1]``, ``localhost:80`` →
    ``localhost``."""
    host = raw.decode("latin-1").strip().lower()
    if host.startswith("["):
        return host[:host.find("]") + 1] if "]" in host else host
    return host.split(":")[0]


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """Exact names, or ``*.example.org`` patterns, or ``*`` for any."""
    return any(a == "*" or a == host or (a.startswith("*.") and host.endswith(a[1:]))
               for a in allowed)


async def _plain(send: Callable, status: int, message: str) -> None:
    body = json.dumps({"detail": {"kind": "request", "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """Pure ASGI middleware: host check, body limit, JSON-only POSTs, security headers.

    The body is read (up to the limit) before the application sees it and replayed as
    one message, so an oversized body is refused without ever being parsed.  Only POSTs
    to ``post_paths()`` (the schema's POST operations, read once on first use) must be
    JSON: any other POST goes on to the router, which answers 405 with ``Allow`` (or 404),
    as the schema says.  ``None`` treats every POST as an operation.
    """

    def __init__(self, app: ASGIApp, max_body: int = MAX_BODY,
                 body_timeout: float = BODY_TIMEOUT,
                 post_paths: Callable[[], Iterable[str]] | None = None,
                 allowed_hosts: Iterable[str] = ("*",)) -> None:
        self.app = app
        self.max_body = max_body
        self.body_timeout = body_timeout
        self._post_paths = post_paths
        self._posts: frozenset[str] | None = None
        self.allowed_hosts = tuple(allowed_hosts)

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
        lang = header_lang(headers)
        host = host_name(headers.get(b"host", b""))
        if not host_allowed(host, self.allowed_hosts):
            await _plain(send_with_headers, 400,
                         i18n.text("web.error.host", lang, host=host[:100] or "-"))
            return
        too_large = i18n.text("web.error.body_too_large", lang, limit=self.max_body)
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body):
            await _plain(send_with_headers, 413, too_large)
            return
        if scope["method"] == "POST" and self._operation(scope.get("path", "")):
            ctype = headers.get(b"content-type", b"").split(b";")[0].strip().lower()
            if ctype != b"application/json":
                await _plain(send_with_headers, 415, i18n.text("web.error.json_only", lang))
                return
            chunks: list[bytes] = []
            status = 0
            with anyio.move_on_after(self.body_timeout):
                status = await self._read(receive, chunks)
            if status in (0, 413):
                await _plain(send_with_headers, 408 if status == 0 else 413,
                             too_large if status else i18n.text("web.error.body_timeout", lang))
                return
            if status < 0:  # the client went away
                return
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

    def _operation(self, path: str) -> bool:
        """Whether ``path`` is a POST operation (every path when none were given)."""
        if self._post_paths is None:
            return True
        if self._posts is None:
            self._posts = frozenset(self._post_paths())
        return path in self._posts

    async def _read(self, receive: Callable, chunks: list[bytes]) -> int:
        """Read the body into ``chunks``: 200 when complete, 413 over the limit, -1 when
        the client disconnected."""
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return -1
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                return 413
            chunks.append(chunk)
            if not message.get("more_body"):
                return 200


class Assets:
    """Static files read once, gzipped once, answered from memory with an ETag.

    The page's own files change while developing, so they are revalidated on every load
    (``no-cache``: a 304 costs a few bytes); the math font is versioned by the package
    that installed it and cached for a week.
    """

    def __init__(self) -> None:
        self._cache: dict[Path, tuple[float, str, bytes, bytes]] = {}
        self._lock = threading.Lock()

    def _load(self, path: Path) -> tuple[str, bytes, bytes]:
        mtime = path.stat().st_mtime
        with self._lock:
            hit = self._cache.get(path)
        if hit and hit[0] == mtime:
            return hit[1], hit[2], hit[3]
        raw = path.read_bytes()
        etag = '"' + hashlib.sha1(raw).hexdigest()[:20] + '"'
        packed = gzip.compress(raw, compresslevel=6, mtime=0)
        with self._lock:
            self._cache[path] = (mtime, etag, raw, packed)
        return etag, raw, packed

    def text(self, path: Path) -> str:
        """A page file's text (from memory)."""
        return self._load(path)[1].decode("utf-8")

    def response(self, request: Request, path: Path, media: str, cache: str) -> Response:
        etag, raw, packed = self._load(path)
        headers = {"cache-control": cache, "etag": etag, "vary": "accept-encoding"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers=headers)
        if "gzip" in request.headers.get("accept-encoding", "") and len(packed) < len(raw):
            headers["content-encoding"] = "gzip"
            return Response(packed, media_type=media, headers=headers)
        return Response(raw, media_type=media, headers=headers)


def page_messages() -> dict[str, dict[str, str]]:
    """The page's words: every ``web.*`` entry of both catalogs (the page has no other)."""
    return {lang: {k[4:]: v for k, v in i18n.catalog(lang).items() if k.startswith("web.")}
            for lang in i18n.LANGS}


def create_app(workers: int | None = None, slow_workers: int = 1,
               budget: float = 1.6, fast_budget: float = 0.1,
               allowed_hosts: Iterable[str] | None = None,
               practice_db: str | None = None) -> FastAPI:
    """Build the workbench app.

    ``workers`` fast-lane processes (default: 4 per CPU, 4 to 8), ``slow_workers``
    for tasks that overrun ``fast_budget``; ``budget`` is the whole per-request compute
    limit in seconds.  ``allowed_hosts`` are the Host header values accepted (default:
    the loopback names).  ``practice_db`` is the Practice tab's progress database
    (default: ``$BIBUN_DB``, else the per-user file ``bibun practice`` uses).
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
    app.state.practice_db = practice_db
    app.include_router(router)
    app.include_router(practice_router)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # the body's own "lang" wins when it is readable, as it does for every other answer
        body = exc.body if isinstance(exc.body, dict) else {}
        lang = body["lang"] if body.get("lang") in ("en", "ja") else header_lang(
            request.headers)
        return JSONResponse({"detail": {"kind": "validation", "message": validation_message(
            exc.errors(), lang)}}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = http_detail(exc.status_code, exc.detail, exc.headers, request.method,
                             header_lang(request.headers))
        return JSONResponse({"detail": detail}, exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:  # pragma: no cover
        # a bug of ours: the log has the traceback, the client one sentence and no text of
        # the exception
        return JSONResponse({"detail": {"kind": "internal", "message": i18n.text(
            "web.error.internal", header_lang(request.headers))}}, 500)

    static = _static_dir()
    assets = Assets()
    week = "public, max-age=604800"

    def _file(request: Request, name: str) -> Response:
        fname, media = STATIC[name]
        return assets.response(request, static / fname, media, "no-cache")

    def _not_found(request: Request) -> JSONResponse:
        return JSONResponse({"detail": {"kind": "request", "message": i18n.text(
            "web.error.not_found", header_lang(request.headers))}}, 404)

    def _quick(payload: dict[str, Any]) -> Any:
        try:
            return get_compute().run("quick", payload, "quick")
        except (BudgetExceeded, Busy, WorkerCrashed):
            return None

    async def _first_answer(request: Request) -> str | None:
        """index.html with the first derivative in it (:mod:`bibun.web.first`), or None."""
        state = first.state_of_query(request.query_params, header_lang(request.headers))
        if state is None:
            return None
        try:
            payload = PageIn(**state).model_dump()
        except ValidationError:
            return None
        answer = None
        with anyio.move_on_after(first.FIRST_WAIT):
            answer = await to_thread.run_sync(_quick, payload, abandon_on_cancel=True)
        if answer is None:
            return None
        return first.fill(assets.text(static / "index.html"), answer, state)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def index(request: Request) -> Response:
        if request.method == "GET":
            filled = await _first_answer(request)
            if filled is not None:  # varies with the URL and the language: not cached
                return HTMLResponse(filled, headers={"cache-control": "no-cache",
                                                     "vary": "accept-language"})
        return _file(request, "index.html")

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon(request: Request) -> Response:
        return _file(request, "icon.svg")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> Response:
        return _file(request, "docs.html")

    @app.get("/static/{name}", include_in_schema=False)
    async def static_file(request: Request, name: str) -> Response:
        if name not in STATIC:
            return _not_found(request)
        return _file(request, name)

    @app.get("/vendor/math.otf", include_in_schema=False)
    async def math_font(request: Request) -> Response:
        font = next((f for f in MATH_FONTS if f.is_file()), None)
        if font is None:  # the page falls back to the browser's math fonts
            return _not_found(request)
        return assets.response(request, font, "font/otf", week)

    @app.get("/api/messages", summary="The page's words in every language (from the catalogs)")
    async def messages() -> dict[str, dict[str, str]]:
        return page_messages()

    hosts = list(allowed_hosts) if allowed_hosts is not None else \
        ["127.0.0.1", "localhost", "[::1]", "::1"]

    def post_paths() -> set[str]:
        return {path for path, ops in app.openapi()["paths"].items() if "post" in ops}

    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(Guard, post_paths=post_paths, allowed_hosts=hosts)
    return app


def _version() -> str:
    from bibun import __version__

    return __version__

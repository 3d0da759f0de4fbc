"""The web application: server-rendered pages, the versioned API, feeds; one Tracker per process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tracker.errors import ConcurrencyConflict, ConfigurationError, InvalidInput, NotFound, RuleViolation, TrackerError
from tracker.projections.model import LogHead
from tracker.settings import Settings
from tracker.web.auth import Accounts, LoginFailed, LoginThrottled
from tracker.web.common import Refused
from tracker.web.settings import WebSettings

__all__ = ["CHAIN_HEAD_HEADER", "CSP", "LOG_POSITION_HEADER", "create_app", "create_app_from_env"]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""The site's content security policy: like the HTML report's, no script at all; only our own stylesheet."""


class SecurityHeaders:
    """Adds the content security policy and its companions to every response (plain ASGI: no per-request task)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to the response's start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", CSP)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "same-origin"
                headers["X-Frame-Options"] = "DENY"
                if secure:
                    headers["Strict-Transport-Security"] = "max-age=31536000"
            await send(message)

        await self.app(scope, receive, with_headers)


LOG_POSITION_HEADER = "X-Tracker-Log-Position"
CHAIN_HEAD_HEADER = "X-Tracker-Chain-Head"


class LogHeadHeaders:
    """States on every /api/v1 response the log position and chain head it reflects (plain ASGI).

    A read answer carries the head its read model was built from (`common.read_model` leaves it in
    the request's state); writes, errors and 304s carry the head read when the response starts.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the two headers to an API response's start."""
        if scope["type"] != "http" or not scope["path"].startswith("/api/v1"):
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})  # shared with the handler's request.state

        async def with_head(message: Message) -> None:
            if message["type"] == "http.response.start":
                head: LogHead | None = state.get("log_head")
                if head is None:
                    tracker = scope["app"].state.tracker
                    head = LogHead(*await run_in_threadpool(tracker.event_log.head))
                headers = MutableHeaders(scope=message)
                headers[LOG_POSITION_HEADER] = str(head.position)
                headers[CHAIN_HEAD_HEADER] = head.chain_head or ""
            await send(message)

        await self.app(scope, receive, with_head)


# First match wins: a subclass is listed before the class it refines.
_STATUSES: tuple[tuple[type[TrackerError], int], ...] = (
    (LoginThrottled, 429),
    (LoginFailed, 401),
    (InvalidInput, 422),
    (NotFound, 404),
    (RuleViolation, 409),
    (ConcurrencyConflict, 409),
    (ConfigurationError, 503),
)


def _status_of(exc: TrackerError) -> int:
    return next((status for kind, status in _STATUSES if isinstance(exc, kind)), 400)


def error_body(exc: TrackerError) -> dict[str, Any]:
    """An error as JSON: its kind, its message, and each problem's field, value and message."""
    body: dict[str, Any] = {
        "error": type(exc).__name__,
        "message": str(exc),
        "problems": [{"field": f, "value": _jsonable(v), "message": m} for f, v, m in exc.problems],
    }
    line = getattr(exc, "line", None)
    if line is not None:
        body["line"] = line
    return body


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, str | int | float | bool) else repr(value)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(settings: Settings | None = None, web: WebSettings | None = None) -> FastAPI:
    """The application on the configured database; the Tracker opens at startup and closes at shutdown."""
    settings = settings or Settings()
    web = web or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from tracker.bootstrap import open_tracker

        tracker = open_tracker(settings)
        accounts = Accounts(tracker.engine, settings.database_url)
        accounts.ensure_schema()
        app.state.tracker = tracker
        app.state.accounts = accounts
        try:
            yield
        finally:
            tracker.close()

    app = FastAPI(
        title="Commitments tracker API",
        version="1",
        description="The tracker's answers (status, presidency, timeline, review, developments) as of a world "
        "date (`as_of`) and as known at a record time (`known_at`), and recording of developments.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN: the document itself is enough
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.web_settings = web
    app.state.settings = settings

    app.add_middleware(SecurityHeaders)
    app.add_middleware(LogHeadHeaders)

    from tracker.web.pages import render_error

    @app.exception_handler(TrackerError)
    async def tracker_error(request: Request, exc: TrackerError) -> Response:
        status = _status_of(exc)
        if _is_api(request):
            return JSONResponse(error_body(exc), status_code=status)
        return render_error(request, status, str(exc))

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> Response:
        if _is_api(request):
            headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            return JSONResponse({"error": "Unauthorized" if exc.status == 401 else "Forbidden",
                                 "message": exc.message, "problems": []}, status_code=exc.status, headers=headers)
        return render_error(request, exc.status, exc.message, login=exc.status == 401)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body")) or "(request)",
             "value": _jsonable(e.get("input")), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        message = "; ".join(f"{p['field']}: {p['message']} (value: {p['value']!r})" for p in problems)
        if _is_api(request):
            return JSONResponse({"error": "InvalidInput", "message": message, "problems": problems}, status_code=422)
        return render_error(request, 422, message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return JSONResponse({"error": "HTTPError", "message": str(exc.detail), "problems": []},
                                status_code=exc.status_code, headers=exc.headers)
        return render_error(request, exc.status_code, str(exc.detail))

    from tracker.web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)
    return app


def create_app_from_env() -> FastAPI:
    """The application as `tracker serve` starts it in each worker process (settings from the environment)."""
    return create_app(Settings(), WebSettings())

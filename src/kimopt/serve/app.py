"""The web application: a Starlette app with Jinja2 templates and the vendored htmx.

Safety on a shared office machine: the server binds to 127.0.0.1 only (see
:func:`kimopt.serve.run`); a request whose ``Host`` is not this server, or whose ``Origin``
is another site, is refused with 403 (DNS rebinding, cross-site requests); every request that
changes state carries the session token the page was served with; no request names a file —
the scenario folder is fixed at start and file names are made from the scenario's name.

Bounded: a request body beyond :data:`MAX_BODY_BYTES` is refused before it is read on;
solving runs on threads of its own (the page, downloads and charts keep answering) and at
most :data:`MAX_WAITING` changes wait behind the running solve — more are refused with 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kimopt.serve.session import SaveError, Session, Shown
from kimopt.serve.solving import BUDGETS_LESS_FIXED

HERE = Path(__file__).parent
TOKEN_HEADER = "x-kimopt-token"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
}


MAX_BODY_BYTES = 2 << 20  # a form of a Kreis of 400 Kommunen is far below
MAX_WAITING = 4  # changes waiting behind the running solve; Enter sends two per page
BUSY = "Der Server rechnet noch an früheren Änderungen – bitte einen Moment warten und erneut versuchen."


class BodyLimit:
    """Refuse a request body beyond ``limit`` bytes (413) before the application reads any of it."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES, paths: dict[str, int] | None = None) -> None:
        self.app, self.default, self.paths = app, limit, paths or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.default)
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        body, more = b"", not declared.isdigit() or int(declared) <= limit
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False) and len(body) <= limit
        if len(body) > limit or (declared.isdigit() and int(declared) > limit):
            text = f"Anfrage zu groß (höchstens {limit // (1 << 20)} MB)."
            await PlainTextResponse(text, status_code=413)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


class Busy(Exception):
    """More changes wait than :data:`MAX_WAITING`."""


class Solver:
    """Threads of their own for everything that waits for the session's solving lock."""

    def __init__(self, waiting: int = MAX_WAITING) -> None:
        self.limit = waiting + 1  # the running one and those waiting behind it
        self.pending = 0  # changed on the event loop only
        self.pool = ThreadPoolExecutor(max_workers=self.limit, thread_name_prefix="kimopt-solve")

    async def run(self, func: Callable[..., Any], *args: Any) -> Any:
        if self.pending >= self.limit:
            raise Busy
        self.pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)
        finally:
            self.pending -= 1

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)


async def authorised_by(request: Request, token: str) -> bool:
    """Whether the request carries the session token (header, or the form's ``token`` field)."""
    sent = request.headers.get(TOKEN_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get("token")
        sent = value if isinstance(value, str) else None
    return sent is not None and secrets.compare_digest(sent, token)


def local_hosts(port: int) -> set[str]:
    """The ``Host`` values that name this server."""
    return {f"127.0.0.1:{port}", f"localhost:{port}"}


class Guard(BaseHTTPMiddleware):
    """Refuse foreign ``Host`` and ``Origin`` headers; add the security headers to every answer."""

    def __init__(self, app: Any, hosts: set[str]) -> None:
        super().__init__(app)
        self.hosts = hosts
        self.origins = {f"http://{h}" for h in hosts}

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        host = request.headers.get("host", "")
        origin = request.headers.get("origin")
        if host not in self.hosts:
            response: Response = PlainTextResponse("Verboten: fremder Host.", status_code=403)
        elif origin is not None and origin not in self.origins:
            response = PlainTextResponse("Verboten: fremde Herkunft (Origin).", status_code=403)
        elif request.headers.get("sec-fetch-site") == "cross-site":
            response = PlainTextResponse("Verboten: seitenübergreifende Anfrage.", status_code=403)
        else:
            response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response


@functools.cache
def pdf_available() -> bool:
    """Whether the report can be printed to PDF here (the report's PDF writer and WeasyPrint)."""
    from kimopt.errors import InputError

    try:
        writer = importlib.import_module("kimopt.report.pdf")
        writer.require_pdf(Path("bericht.pdf"))
    except (ImportError, AttributeError, InputError):
        return False
    return True


def create_app(session: Session, port: int, token: str | None = None) -> Starlette:
    """The application for ``session``, answering only as ``127.0.0.1:port`` / ``localhost:port``."""
    from kimopt.serve import view

    token = token or secrets.token_urlsafe(32)
    solver = Solver()
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    templates = Jinja2Templates(env=environment)

    def render(request: Request, name: str, shown: Shown, year: int = 0, status: int = 200) -> HTMLResponse:
        ctx = view.context(session, shown, token, year)
        ctx["pdf"] = pdf_available()
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    async def authorised(request: Request) -> bool:
        return await authorised_by(request, token)

    def refused() -> Response:
        return PlainTextResponse("Verboten: Sitzungsschlüssel fehlt oder ist falsch – Seite neu laden.", 403)

    def superseded() -> Response:
        return Response(status_code=204)  # a newer change is answered instead; htmx swaps nothing

    def busy() -> Response:
        return PlainTextResponse(BUSY, status_code=503, headers={"Retry-After": "2"})

    def year_of(request: Request, form: Any = None) -> int:
        """The year the request asks to see (``year``, of the query or the form): its index."""
        sent = (form or {}).get("year") or request.query_params.get("year")
        return session.year_index(sent if isinstance(sent, str) else None)

    async def index(request: Request) -> Response:
        return render(request, "page.html", session.current, year_of(request))

    async def change(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        form = await request.form()
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
        try:
            shown = await solver.run(session.change, raw)
        except Busy:
            return busy()
        return superseded() if shown is None else render(request, "change.html", shown, year_of(request, form))

    async def undo(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        form = await request.form()
        try:
            shown = await solver.run(session.undo)
        except Busy:
            return busy()
        return superseded() if shown is None else render(request, "main.html", shown, year_of(request, form))

    async def reset(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        form = await request.form()
        try:
            shown = await solver.run(session.reset)
        except Busy:
            return busy()
        return superseded() if shown is None else render(request, "main.html", shown, year_of(request, form))

    def _generation(request: Request) -> int:
        try:
            return int(request.query_params.get("gen", ""))
        except ValueError:
            return -1

    async def binding(request: Request) -> Response:
        try:
            rows = await solver.run(session.binding, _generation(request), year_of(request))
        except Busy:
            rows = "Der Server rechnet noch – bindende Regeln nach der nächsten Änderung."
        if rows is None:
            return superseded()
        shown = session.current.outcome.view(year_of(request))
        note = BUDGETS_LESS_FIXED if shown is not None and shown.fixed and not isinstance(rows, str) else ""
        return templates.TemplateResponse(request, "binding.html", {"rows": rows, "note": note})

    async def charts(request: Request) -> Response:
        from kimopt.report.html import figure_html

        found = await _threaded(session.charts, _generation(request), year_of(request))
        if found is None:
            return superseded()
        blocks = [figure_html(caption, svg) for caption, svg in found]
        return templates.TemplateResponse(request, "charts.html", {"charts": blocks})

    async def save(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        form = await request.form()
        name = form.get("scenario_name")
        try:
            path, note = await _threaded(session.save_scenario, name if isinstance(name, str) else "")
        except SaveError as exc:
            return HTMLResponse(f'<span class="error">{_escape(str(exc))}</span>')
        command = f"kimopt compare {session.instance_path}"
        if session.model_path is not None:
            command += f" -m {session.model_path}"
        command += f" -s {path}"
        text = (
            f'Gespeichert: <code id="saved-path">{_escape(str(path))}</code><br>'
            f"Vergleichen mit <code>{_escape(command)}</code>"
        )
        if note:
            text += f"<br>{_escape(note)}"
        return HTMLResponse(text)

    def download(suffix: str) -> Callable[[Request], Awaitable[Response]]:
        async def handler(request: Request) -> Response:
            from kimopt.serve.export import MEDIA_TYPES, Marking, report_bytes
            from kimopt.serve.form import changes

            found = session.report()
            if found is None:
                return PlainTextResponse("Kein Plan zum Exportieren.", status_code=409)
            if suffix == ".pdf" and not pdf_available():
                return PlainTextResponse("PDF ist auf diesem Rechner nicht verfügbar.", status_code=404)
            plan, form, name = found
            marking = Marking(name, changes(form, session.instance, session.model))
            data = await _threaded(report_bytes, plan, suffix, marking)
            name = f"{session.instance_path.stem}-szenario{suffix}"
            return Response(
                data, media_type=MEDIA_TYPES[suffix], headers={"Content-Disposition": f'attachment; filename="{name}"'}
            )

        return handler

    routes = [
        Route("/", index),
        Route("/change", change, methods=["POST"]),
        Route("/undo", undo, methods=["POST"]),
        Route("/reset", reset, methods=["POST"]),
        Route("/save", save, methods=["POST"]),
        Route("/binding", binding),
        Route("/charts", charts),
        Route("/bericht.html", download(".html")),
        Route("/bericht.xlsx", download(".xlsx")),
        Route("/bericht.pdf", download(".pdf")),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        session.close(timeout=0)  # waiting changes give way at once
        solver.close()

    middleware = [Middleware(Guard, hosts=local_hosts(port)), Middleware(BodyLimit)]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.token = token
    app.state.session = session
    return app


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


async def _threaded(func: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)

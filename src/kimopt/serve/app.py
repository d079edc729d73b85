"""The web application: a Starlette app with Jinja2 templates and the vendored htmx.

Safety on a shared office machine: the server binds to 127.0.0.1 only (see
:func:`kimopt.serve.run`); a request whose ``Host`` is not this server, or whose ``Origin``
is another site, is refused with 403 (DNS rebinding, cross-site requests); every request that
changes state carries the session token the page was served with; no request names a file —
the scenario folder is fixed at start and file names are made from the scenario's name.
"""

from __future__ import annotations

import functools
import importlib
import secrets
from collections.abc import Awaitable, Callable
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

from kimopt.serve.session import SaveError, Session, Shown

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
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    templates = Jinja2Templates(env=environment)

    def render(request: Request, name: str, shown: Shown, status: int = 200) -> HTMLResponse:
        ctx = view.context(session, shown, token)
        ctx["pdf"] = pdf_available()
        return templates.TemplateResponse(request, name, ctx, status_code=status)

    async def authorised(request: Request) -> bool:
        sent = request.headers.get(TOKEN_HEADER)
        if sent is None:
            form = await request.form()
            value = form.get("token")
            sent = value if isinstance(value, str) else None
        return sent is not None and secrets.compare_digest(sent, token)

    def refused() -> Response:
        return PlainTextResponse("Verboten: Sitzungsschlüssel fehlt oder ist falsch – Seite neu laden.", 403)

    def superseded() -> Response:
        return Response(status_code=204)  # a newer change is answered instead; htmx swaps nothing

    async def index(request: Request) -> Response:
        return render(request, "page.html", session.current)

    async def change(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        form = await request.form()
        raw = {k: v for k, v in form.items() if isinstance(v, str)}
        shown = await _threaded(session.change, raw)
        return superseded() if shown is None else render(request, "change.html", shown)

    async def undo(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        shown = await _threaded(session.undo)
        return superseded() if shown is None else render(request, "main.html", shown)

    async def reset(request: Request) -> Response:
        if not await authorised(request):
            return refused()
        shown = await _threaded(session.reset)
        return superseded() if shown is None else render(request, "main.html", shown)

    def _generation(request: Request) -> int:
        try:
            return int(request.query_params.get("gen", ""))
        except ValueError:
            return -1

    async def binding(request: Request) -> Response:
        rows = await _threaded(session.binding, _generation(request))
        if rows is None:
            return superseded()
        return templates.TemplateResponse(request, "binding.html", {"rows": rows})

    async def charts(request: Request) -> Response:
        from kimopt.report.html import figure_html

        found = await _threaded(session.charts, _generation(request))
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
            from kimopt.serve.export import MEDIA_TYPES, report_bytes

            plan = session.report_plan()
            if plan is None:
                return PlainTextResponse("Kein Plan zum Exportieren.", status_code=409)
            if suffix == ".pdf" and not pdf_available():
                return PlainTextResponse("PDF ist auf diesem Rechner nicht verfügbar.", status_code=404)
            data = await _threaded(report_bytes, plan, suffix)
            name = f"{session.instance_path.stem}-plan{suffix}"
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
    app = Starlette(routes=routes, middleware=[Middleware(Guard, hosts=local_hosts(port))])
    app.state.token = token
    return app


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


async def _threaded(func: Callable[..., Any], *args: Any) -> Any:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(func, *args)

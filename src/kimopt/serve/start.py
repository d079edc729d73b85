"""The start page of ``kimopt serve [DIR]``: the folder's instances and plan workbooks, and a drop zone.

A request never names a file: it names an entry of the folder's listing by its number *and*
its file name, both checked against the listing made anew for the request. A dropped
workbook (at most :data:`MAX_UPLOAD_BYTES`) is stored only in the scenario folder, under a
name of letters, digits and ``-`` created exclusively, and read from there. Opening an entry
turns the application into the what-if page of that instance (:func:`kimopt.serve.app.create_app`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from kimopt.io.excel.plan_sheet import is_plan_workbook

MAX_ENTRIES = 200  # files shown; a folder with more lists the first by name
MAX_UPLOAD_BYTES = 8 << 20  # a Kreis's instance workbook has some 50 KB
INSTANCE_SUFFIXES = (".yaml", ".yml", ".json", ".xlsx")


@dataclass(frozen=True)
class Entry:
    number: int
    path: Path
    kind: str  # "instance" or "plan_workbook"

    @property
    def label(self) -> str:
        return "Planmappe" if self.kind == "plan_workbook" else "Instanz"


def listing(folder: Path) -> list[Entry]:
    """The instances and plan workbooks directly in ``folder`` (no subfolders, no hidden files), by name."""
    try:
        files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in INSTANCE_SUFFIXES and not p.name.startswith(".")
        )
    except OSError:
        return []
    entries: list[Entry] = []
    for path in files:
        if not path.is_file() or len(entries) >= MAX_ENTRIES:
            continue
        kind = "plan_workbook" if path.suffix.lower() == ".xlsx" and is_plan_workbook(path) else "instance"
        entries.append(Entry(len(entries) + 1, path, kind))
    return entries


def chosen(folder: Path, number: str, name: str) -> Entry | None:
    """The entry a request names by number and file name, if both match the folder's listing now."""
    for entry in listing(folder):
        if str(entry.number) == number and entry.path.name == name:
            return entry
    return None


def store_upload(scenario_dir: Path, filename: str, data: bytes) -> Path:
    """Keep a dropped workbook in the scenario folder under a new name (never replacing a file)."""
    import os

    from kimopt.serve.session import MAX_NUMBERED, SaveError, file_stem

    scenario_dir.mkdir(parents=True, exist_ok=True)
    stem = "hochgeladen-" + file_stem(Path(filename).stem)
    for n in range(1, MAX_NUMBERED + 1):
        path = scenario_dir / (f"{stem}.xlsx" if n == 1 else f"{stem}-{n}.xlsx")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        return path
    raise SaveError("Zu viele hochgeladene Mappen dieses Namens im Szenario-Ordner.")


class Switch:
    """The application now served: the start page until an instance is opened, then its what-if page."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def create_start_app(
    folder: Path, scenario_dir: Path, port: int, model_path: Path | None, token: str, workers: int = 2
) -> Switch:
    """The start page for ``folder``; opening an entry switches to its what-if page (same token)."""
    import asyncio

    import jinja2
    from starlette.middleware import Middleware

    from kimopt.errors import InputError
    from kimopt.serve.app import HERE, BodyLimit, Guard, authorised_by, create_app, local_hosts
    from kimopt.serve.session import SaveError, Session
    from kimopt.serve.workbook import Match, agreement, instance_for

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    template = environment.get_template("start.html")

    def page(message: str = "", status: int = 200) -> HTMLResponse:
        html = template.render(
            folder=folder, entries=listing(folder), token=token, message=message, limit=MAX_UPLOAD_BYTES >> 20
        )
        # same-origin, not no-referrer: a form post then carries this server's Origin, not „null“
        return HTMLResponse(html, status_code=status, headers={"Referrer-Policy": "same-origin"})

    def open_instance(path: Path, match: Match | None = None) -> str:
        """Load ``path`` and switch to its page (opened for the plan workbook of ``match``, if given);
        the problem in words when it cannot be opened."""
        from kimopt.load import load_inputs

        try:
            inputs = load_inputs(path, model_path)
        except InputError as exc:
            return exc.render("de", limit=10)
        model = inputs.model.model_copy(update={"workers": min(inputs.model.workers or 1, workers)})
        session = Session(path, model_path, inputs.instance, model, inputs.model_name, scenario_dir)
        if session.current.outcome.kind == "invalid":
            return f"{path.name}: " + "; ".join(session.current.outcome.general)
        if match is not None:
            plan = session.current.outcome.plan_json
            session.opened_from = " ".join(filter(None, [match.text, agreement(match, plan, path.name)]))
        switch.app = create_app(session, port, token)
        return ""

    def instances() -> list[Path]:
        return [e.path for e in listing(folder) if e.kind == "instance"]

    async def open_match(match: Match) -> Response:
        """The page of the instance a plan workbook was written for, or why there is none."""
        if match.instance is None:
            return page(match.text, 409)
        problem = await asyncio.to_thread(open_instance, match.instance, match)
        return page(problem, 422) if problem else RedirectResponse("/", status_code=303)

    async def index(request: Request) -> Response:
        return page()

    async def open_entry(request: Request) -> Response:
        if not await authorised_by(request, token):
            return page("Sitzungsschlüssel fehlt oder ist falsch – Seite neu laden.", 403)
        form = await request.form()
        number, name = form.get("entry"), form.get("name")
        entry = chosen(folder, number, name) if isinstance(number, str) and isinstance(name, str) else None
        if entry is None:
            return page("Diese Datei steht nicht (mehr) in der Liste.", 404)
        if entry.kind == "plan_workbook":
            return await open_match(await asyncio.to_thread(instance_for, entry.path, instances(), model_path))
        problem = await asyncio.to_thread(open_instance, entry.path)
        return page(problem, 422) if problem else RedirectResponse("/", status_code=303)

    async def upload(request: Request) -> Response:
        if not await authorised_by(request, token):
            return page("Sitzungsschlüssel fehlt oder ist falsch – Seite neu laden.", 403)
        form = await request.form(max_files=1, max_fields=4, max_part_size=MAX_UPLOAD_BYTES)
        sent = form.get("workbook")
        if sent is None or isinstance(sent, str) or not sent.filename:
            return page("Keine Datei erhalten – eine Excel-Mappe (.xlsx) hierher ziehen oder auswählen.", 400)
        if Path(sent.filename).suffix.lower() != ".xlsx":
            return page(f"„{Path(sent.filename).name}“ ist keine Excel-Mappe (.xlsx).", 400)
        data = await sent.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            return page(f"Die Mappe ist zu groß (höchstens {MAX_UPLOAD_BYTES >> 20} MB).", 413)
        try:
            path = await asyncio.to_thread(store_upload, scenario_dir, sent.filename, data)
        except SaveError as exc:
            return page(str(exc), 409)
        except OSError as exc:
            return page(f"Szenario-Ordner {scenario_dir} nicht beschreibbar: {exc.strerror}", 500)
        if is_plan_workbook(path):  # read for its instance of the folder, then not kept
            match = await asyncio.to_thread(instance_for, path, instances(), model_path, Path(sent.filename).name)
            path.unlink(missing_ok=True)
            return await open_match(match)
        problem = await asyncio.to_thread(open_instance, path)
        if problem:
            path.unlink(missing_ok=True)  # a workbook that cannot be opened is not kept
            return page(problem.replace(str(path), Path(sent.filename).name), 422)
        return RedirectResponse("/", status_code=303)

    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    routes = [
        Route("/", index),
        Route("/open", open_entry, methods=["POST"]),
        Route("/upload", upload, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    limits = {"/upload": MAX_UPLOAD_BYTES + (64 << 10)}
    middleware = [Middleware(Guard, hosts=local_hosts(port)), Middleware(BodyLimit, paths=limits)]
    start = Starlette(routes=routes, middleware=middleware)
    switch = Switch(start)
    return switch

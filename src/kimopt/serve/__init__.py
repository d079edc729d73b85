"""``kimopt serve``: the live what-if page for the Lenkungsgruppe (DESIGN §7).

:mod:`~kimopt.serve.form` turns the page's controls into a scenario entry,
:mod:`~kimopt.serve.solving` solves it (or explains why not), :mod:`~kimopt.serve.session`
keeps the history and cancels stale solves, :mod:`~kimopt.serve.view` lays the report's tables
out for the templates, :mod:`~kimopt.serve.app` is the web application and
:mod:`~kimopt.serve.export` the downloads.
"""

from __future__ import annotations

HOST = "127.0.0.1"  # never another interface: the page is for the machine it runs on


def port_free(port: int) -> bool:
    """Whether this server could listen on 127.0.0.1:``port`` (checked as uvicorn binds)."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def run(app: object, port: int, open_browser: bool = False) -> None:
    """Serve ``app`` (the what-if page, or the start page that becomes one) on 127.0.0.1:``port``
    until Ctrl-C; the session then shown is closed (its solve stopped) before returning."""
    import threading
    import webbrowser

    import uvicorn

    if open_browser:
        threading.Timer(0.8, webbrowser.open, [f"http://{HOST}:{port}/"]).start()
    try:
        # Ctrl-C: requests still open after a few seconds are dropped, not waited for
        uvicorn.run(
            app,  # type: ignore[arg-type]
            host=HOST,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
        )
    finally:
        from kimopt.serve.start import Switch

        served = app.app if isinstance(app, Switch) else app  # the page the start page became
        session = getattr(getattr(served, "state", None), "session", None)
        if session is not None:
            session.close()


__all__ = ["HOST", "port_free", "run"]

"""`bibun serve`: the local web workbench (a page and a JSON API) on uvicorn."""

from __future__ import annotations

import sys
import threading
import webbrowser

from bibun.i18n import error


def run_serve(args) -> int:
    import uvicorn

    from bibun.web import create_app

    host = args.host
    if host not in ("127.0.0.1", "localhost", "::1"):
        # a deliberate choice: say plainly that the workbench is now reachable from outside
        print(f"bibun: warning: serving on {host}, reachable from other machines",
              file=sys.stderr)
    if not 0 < args.port < 65536:
        raise error("error.cli.port", port=args.port)
    allowed = ["127.0.0.1", "localhost", "[::1]", "::1"]
    if host not in allowed:
        allowed.append(host)
    app = create_app(workers=args.workers, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{args.port}/"
    print(f"bibun workbench on {url}  (API docs: {url}docs; Ctrl-C to stop)", file=sys.stderr)
    if args.open:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    # idle keep-alive connections close after 5 s, request heads are capped at 16 KB;
    # a body that trickles in is cut off by the app after BODY_TIMEOUT (bibun.web.app)
    uvicorn.run(app, host=host, port=args.port, log_level=args.log_level,
                timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024)
    return 0


def register(sub) -> None:
    p = sub.add_parser("serve", help="start the local web workbench (page + JSON API)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--open", action="store_true", help="open the page in a browser")
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes for computations (default: 4 per CPU, 4 to 8)")
    p.add_argument("--log-level", default="warning",
                   choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run_serve)

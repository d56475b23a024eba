"""`bibun serve`: the local web workbench (a page and a JSON API) on uvicorn."""

from __future__ import annotations

import ipaddress
import socket
import sys
import threading
import webbrowser

from bibun import i18n
from bibun.cli._args import bounded_int, shorten
from bibun.cli._help import help_lang
from bibun.i18n import Msg, error

#: more computing processes than this is a typo, not a plan (each one holds bibun in memory)
MAX_WORKERS = 64


def check_address(host: str, port: int) -> None:
    """Refuse an address uvicorn could not serve on before anything starts, as one bibun
    line: a host that is no address and no name this machine resolves
    (``999.999.999.999``), or a port that cannot be bound (in use, or privileged)."""
    if not 0 < port < 65536:
        raise error("error.cli.port", port=port)
    dotted = all(part.isdigit() for part in host.split("."))  # 999.999.999.999: no address,
    try:                                                       # and no name to look up
        if dotted and host.count(".") == 3:
            ipaddress.IPv4Address(host)
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise error("error.cli.host", host=shorten(host),
                    reason=Msg("error.cli.host_unknown", {})) from None
    family, kind, proto, _, address = infos[0]
    try:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:
        raise error("error.cli.listen", host=shorten(host), port=port,
                    reason=exc.strerror or str(exc)) from None


def run_serve(args) -> int:
    host = args.host
    check_address(host, args.port)  # before importing the server: refused in a moment

    import uvicorn

    from bibun.web import create_app

    if host not in ("127.0.0.1", "localhost", "::1"):
        # a deliberate choice: say plainly that the workbench is now reachable from outside
        print(i18n.text("cli.warning", args.lang,
                        message=i18n.text("serve.warning_public", args.lang, host=host)),
              file=sys.stderr)
    allowed = ["127.0.0.1", "localhost", "[::1]", "::1"]
    if host not in allowed:
        allowed.append(host)
    app = create_app(workers=args.workers, allowed_hosts=allowed)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{args.port}/"
    print(i18n.text("serve.running", args.lang, url=url), file=sys.stderr)
    if args.open:
        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    # idle keep-alive connections close after 5 s, request heads are capped at 16 KB;
    # a body that trickles in is cut off by the app after BODY_TIMEOUT (bibun.web.app)
    from bibun.web.protocol import HeadTimeoutProtocol  # a request head has 10 s

    uvicorn.run(app, host=host, port=args.port, log_level=args.log_level, http=HeadTimeoutProtocol,
                timeout_keep_alive=5, h11_max_incomplete_event_size=16 * 1024)
    return 0


def register(sub) -> None:
    hl = help_lang()
    p = sub.add_parser("serve", help=i18n.text("help.serve", hl))
    p.add_argument("--host", default="127.0.0.1", help=i18n.text("help.serve.host", hl))
    p.add_argument("--port", type=int, default=8000, help=i18n.text("help.serve.port", hl))
    p.add_argument("--open", action="store_true", help=i18n.text("help.serve.open", hl))
    p.add_argument("--workers", type=bounded_int(1, MAX_WORKERS), default=None,
                   help=i18n.text("help.serve.workers", hl))
    p.add_argument("--log-level", default="warning",
                   choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=run_serve)

"""uvicorn's HTTP/1.1 protocol with a deadline for the request head.

Why: uvicorn closes a keep-alive connection that stays idle after a response, and the
app (:class:`bibun.web.app.Guard`) cuts off a body that does not arrive, but a connection
that never sends a complete request head (nothing at all, or ``POST /api/diff HTTP/1.1``
and then silence) is held open for ever: fifty such sockets cost the server fifty
connections and file descriptors without a single request.  This protocol gives every
request head :data:`HEAD_TIMEOUT` seconds from the moment the connection is ready for it
(opened, or the previous response sent) and then closes the connection.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: seconds a client has to send a whole request head
HEAD_TIMEOUT = 10.0


class HeadTimeoutProtocol(H11Protocol):
    """:class:`H11Protocol` plus a per-request deadline for the head (see the module)."""

    head_timeout = HEAD_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_overdue)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_overdue(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no request is under way: nobody to answer

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()  # the head is complete: the body has the app's own deadline

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

"""Helpers for the SMTP tests: a stock aiosmtpd upstream, a raw socket client, a certificate.

Everything listens on 127.0.0.1 on a port the system chooses, and every wait
is bounded (socket timeouts, joins with a timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

from maillint.engine import resolve_profile
from maillint.smtp.server import ServeConfig, running

WAIT = 10.0  # seconds: the bound on every wait in these tests
LOCAL = "127.0.0.1"


# ---------------------------------------------------------------- an upstream


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    mail_options: list[str]
    content: bytes


@dataclass
class Recorder:
    """aiosmtpd handler: keeps every message; refuses what the test asks it to."""

    commands: list[str] = field(default_factory=list)
    messages: list[Received] = field(default_factory=list)
    refuse_rcpt: dict[str, str] = field(default_factory=dict)  # address -> reply
    data_reply: str | None = None

    async def handle_RCPT(self, server, session: Session, envelope: Envelope, address, options):
        if address in self.refuse_rcpt:
            return self.refuse_rcpt[address]
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server, session: Session, envelope: Envelope):
        if self.data_reply is not None:
            return self.data_reply
        self.messages.append(
            Received(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                list(envelope.mail_options),
                envelope.original_content,
            )
        )
        return f"250 2.0.0 queued as U{len(self.messages)}"


class RecordingSMTP(SMTP):
    """Stock aiosmtpd, noting the name of every command it is sent.

    Its DATA line limit is raised (aiosmtpd's documented class attribute) so
    that the tests that send long lines on purpose reach the handler.
    """

    line_length_limit = 1 << 20

    def _note(self, name: str) -> None:
        self.event_handler.commands.append(name)

    async def smtp_EHLO(self, arg):
        self._note("EHLO")
        await super().smtp_EHLO(arg)

    async def smtp_HELO(self, arg):
        self._note("HELO")
        await super().smtp_HELO(arg)

    async def smtp_MAIL(self, arg):
        self._note("MAIL")
        await super().smtp_MAIL(arg)

    async def smtp_RCPT(self, arg):
        self._note("RCPT")
        await super().smtp_RCPT(arg)

    async def smtp_DATA(self, arg):
        self._note("DATA")
        await super().smtp_DATA(arg)

    async def smtp_RSET(self, arg):
        self._note("RSET")
        await super().smtp_RSET(arg)


@contextlib.contextmanager
def loop_server(factory: Callable[[asyncio.AbstractEventLoop], asyncio.Protocol], **kwargs):
    """Serve ``factory(loop)`` protocols on 127.0.0.1:0 in a thread; yields the port."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    protocols: list[asyncio.Protocol] = []

    def make() -> asyncio.Protocol:
        protocol = factory(loop)
        protocols.append(protocol)
        return protocol

    try:
        server = asyncio.run_coroutine_threadsafe(
            loop.create_server(make, LOCAL, 0, **kwargs), loop
        ).result(WAIT)
        try:
            yield server.sockets[0].getsockname()[1]
        finally:

            async def shutdown() -> None:  # in the loop's thread: asyncio is not thread-safe
                server.close()
                for protocol in protocols:
                    transport = getattr(protocol, "transport", None)
                    if transport is not None:
                        transport.close()
                await server.wait_closed()

            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(WAIT)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(WAIT)
        if not loop.is_running():
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()


@contextlib.contextmanager
def upstream(recorder: Recorder | None = None, *, ssl=None, **smtp_kwargs) -> Iterator[tuple]:
    """A stock aiosmtpd server; yields (port, recorder)."""
    recorder = recorder or Recorder()

    def factory(loop):
        return RecordingSMTP(recorder, hostname="upstream.test", loop=loop, **smtp_kwargs)

    with loop_server(factory, ssl=ssl) as port:
        yield port, recorder


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind((LOCAL, 0))
        return sock.getsockname()[1]


# ---------------------------------------------------------------- maillint serve


@contextlib.contextmanager
def serving(profile=None, **settings) -> Iterator[tuple]:
    """``maillint serve`` in a thread on a free port; yields (server, console lines)."""
    lines: list[str] = []
    config = ServeConfig(host=LOCAL, port=0, **settings)
    with running(config, resolve_profile(profile), echo=lines.append, timeout=WAIT) as server:
        yield server, lines


# ---------------------------------------------------------------- a raw client


class RawClient:
    """SMTP over a plain socket: send octets, read whole replies (lines until ``NNN ``)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((LOCAL, port), timeout=WAIT)
        self.file = self.sock.makefile("rb")

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reply(self) -> list[bytes]:
        lines = []
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError(f"connection closed after {lines!r}")
            lines.append(line)
            if line[3:4] != b"-":
                return lines

    def command(self, line: bytes) -> list[bytes]:
        self.send(line + b"\r\n")
        return self.reply()

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def __enter__(self) -> RawClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def assert_multiline(lines: list[bytes], code: int) -> None:
    """RFC 5321 4.2.1: ``NNN-`` on every line but the last, ``NNN `` on the last, CRLF ends."""
    assert lines, "no reply"
    for line in lines:
        assert line.endswith(b"\r\n") and b"\n" not in line[:-2] and b"\r" not in line[:-2]
    for line in lines[:-1]:
        assert line.startswith(b"%d-" % code), line
    assert lines[-1].startswith(b"%d " % code), lines[-1]


# ---------------------------------------------------------------- TLS


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost (openssl), as (cert, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        import pytest

        pytest.skip("openssl is not installed: no certificate for the TLS tests")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
        timeout=WAIT * 3,
    )
    return cert, key


# ---------------------------------------------------------------- a running command


class Lines:
    """The lines a subprocess writes, read by a thread: ``next()`` waits a bounded time."""

    def __init__(self, stream) -> None:
        import queue

        self._queue: queue.Queue = queue.Queue()
        self._stream = stream
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def next(self, timeout: float = WAIT) -> str:
        import queue

        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no output within {timeout} seconds") from None
        if line is None:
            raise AssertionError("the command ended")
        return line

    def rest(self) -> str:
        """Everything after the command ended; closes the stream."""
        self._thread.join(WAIT)
        out = []
        while not self._queue.empty():
            line = self._queue.get_nowait()
            if line is not None:
                out.append(line)
        self._stream.close()
        return "".join(out)

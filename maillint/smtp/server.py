"""``maillint serve``: a local SMTP server that lints every message it receives.

Any script that can send mail (Perl's Net::SMTP, PHP, a cron job, smtplib) can
point at it.  A message whose findings reach ``reject_on`` is refused at the
end of DATA with a multi-line ``550 5.6.0`` reply listing the findings, so the
sending script sees why; any other message is either kept (sink: ``store``) or
forwarded upstream unchanged (proxy: ``relay``).  Nothing is accepted and
dropped: a message is stored or relayed, or its sender gets a reply saying why
not.

Built on aiosmtpd's ``SMTP`` protocol, with these changes:

- the DATA line limit is the message size limit (stock aiosmtpd answers
  ``500 Line too long`` to a 1,000-octet line before any handler sees it, and
  a linter must receive the broken messages it exists to report);
- ``PIPELINING`` is advertised (aiosmtpd reads commands in order anyway);
- AUTH PLAIN (with or without an authzid), LOGIN and CRAM-MD5, offered only
  when users are configured; on loopback without TLS, elsewhere only after
  STARTTLS; a line holding ``*`` cancels an exchange with 501, a wrong password
  gets 535, and no credential is ever logged;
- per-connection command size limits (aiosmtpd shares one dict between all
  connections and clears it for each new one).

Relaying is this module's own: smtplib in a worker thread (the event loop never
blocks), the envelope and octets passed on unchanged (no ``X-Peer`` field), and
every upstream refusal passed back to the client with the upstream's own code.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import smtplib
import socket
import ssl
import threading
import time
import weakref
from base64 import b64decode, b64encode
from binascii import Error as Base64Error
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from aiosmtpd.smtp import (
    MISSING,
    SMTP,
    AuthResult,
    Envelope,
    LoginPassword,
    Session,
    auth_mechanism,
)

from maillint import __version__
from maillint.engine import Report, lint_bytes
from maillint.findings import Finding, Severity
from maillint.profiles import Profile

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 2525
DEFAULT_MAX_SIZE = 32 * 1024 * 1024
MAX_REPLY_FINDINGS = 30  # finding lines in a rejection; the rest are counted
MAX_REPLY_TEXT = 400  # RFC 5321 4.5.3.1.5: a reply line is at most 512 octets

Echo = Callable[[str], None]


class ServeError(ValueError):
    """A server configuration that cannot be used (the CLI exits 2 with it)."""


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ServeConfig:
    """How ``maillint serve`` runs.  Exactly one of ``store`` and ``relay``.

    ``users`` maps user names to passwords; when it is not empty, AUTH is
    required before MAIL.  ``auth_require_tls`` None means: AUTH is offered
    without TLS on a loopback address, and only after STARTTLS elsewhere.
    ``reject_on`` None never rejects (every message is stored or relayed).
    """

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    store: Path | None = None
    relay: tuple[str, int] | None = None
    relay_tls: bool = False
    relay_auth: tuple[str, str] | None = field(default=None, repr=False)
    relay_cafile: str | None = None
    relay_timeout: float = 60.0
    reject_on: Severity | None = Severity.ERROR
    users: Mapping[str, str] = field(default_factory=dict, repr=False)
    allow_open: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    auth_require_tls: bool | None = None
    max_size: int = DEFAULT_MAX_SIZE
    hostname: str | None = None

    def requires_tls_for_auth(self) -> bool:
        """Whether AUTH waits for STARTTLS: not on loopback, unless set explicitly."""
        if self.auth_require_tls is not None:
            return self.auth_require_tls
        return not is_loopback(self.host)

    def validate(self) -> None:
        """Raise ServeError for a configuration that must not start."""
        if (self.store is None) == (self.relay is None):
            raise ServeError(
                "give either --store DIR (keep accepted messages) or --relay HOST:PORT "
                "(forward them upstream)"
            )
        if (self.tls_cert is None) != (self.tls_key is None):
            raise ServeError("--tls-cert and --tls-key go together")
        if not is_loopback(self.host):
            if not self.users and not self.allow_open:
                raise ServeError(
                    f"refusing to listen on {self.host}, which is not a loopback address, "
                    "without --auth: an open server is an abuse magnet "
                    "(pass --allow-open if you really mean it)"
                )
        if self.users and self.requires_tls_for_auth() and self.tls_cert is None:
            raise ServeError(
                f"on {self.host} AUTH is offered only after STARTTLS: give --tls-cert and --tls-key"
            )
        if self.relay_auth is not None and not self.relay_tls:
            host = self.relay[0] if self.relay else ""
            if not is_loopback(host):
                raise ServeError("--relay-auth sends a password: use it with --relay-tls")
        if self.max_size < 1000:
            raise ServeError("--max-size must be at least 1000 octets")


def is_loopback(host: str) -> bool:
    """True when every address ``host`` stands for is a loopback address."""
    name = host.strip("[]")
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(name, None)
    except OSError:
        return False
    addresses = {info[4][0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def parse_credentials(text: str, *, what: str = "--auth") -> tuple[str, str]:
    """``USER:PASS`` (the first colon separates them) as a pair."""
    user, colon, password = text.partition(":")
    if not colon or not user or not password:
        raise ServeError(f"{what} takes USER:PASS")
    return user, password


def read_auth_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Users from a file: one ``user:password`` a line; blank lines and ``#`` comments skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ServeError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            user, password = parse_credentials(line)
        except ServeError:
            raise ServeError(f"{path}:{number}: expected user:password") from None
        users[user] = password
    if not users:
        raise ServeError(f"{path}: no users")
    return users


def parse_hostport(text: str, *, default_port: int = 25, any_port: bool = False) -> tuple[str, int]:
    """``host:port``, ``[v6]:port`` or ``host`` (the default port); ``any_port`` allows 0."""
    match = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:\[\]]+)(?::(\d+))?", text.strip())
    if not match:
        raise ServeError(f"expected HOST:PORT, got {text!r}")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4) or default_port)
    if not (0 if any_port else 1) <= port < 65536:
        raise ServeError(f"port out of range in {text!r}")
    return host, port


# ---------------------------------------------------------------- replies


def _reply_text(text: str) -> str:
    """Printable ASCII for a reply line: escapes for anything else, bounded length."""
    out = text.encode("ascii", "backslashreplace").decode("ascii")
    out = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\x{ord(m.group()):02x}", out)
    if len(out) > MAX_REPLY_TEXT:
        out = out[: MAX_REPLY_TEXT - 3] + "..."
    return out


def multiline_reply(code: int, texts: Sequence[str]) -> str:
    """An SMTP reply: ``code-text`` on every line but the last, ``code text`` on the last.

    RFC 5321 4.2.1.  The lines are joined with CRLF; aiosmtpd adds the final one.
    """
    lines = [_reply_text(t) for t in texts] or [""]
    last = len(lines) - 1
    return "\r\n".join(f"{code}{' ' if i == last else '-'}{t}" for i, t in enumerate(lines))


def _count_text(report: Report) -> str:
    counts = report.counts()
    parts = [
        f"{counts[s]} {s}" + ("" if counts[s] == 1 else "s")
        for s in reversed(Severity)
        if counts.get(s)
    ]
    return ", ".join(parts) or "clean"


def _by_severity(findings: Sequence[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (-f.severity, f.offset, f.code))


def rejection_reply(report: Report, reject_on: Severity) -> str:
    """The ``550 5.6.0`` reply for a failing message: one line per finding, worst first."""
    findings = _by_severity(report.findings)
    shown = findings[:MAX_REPLY_FINDINGS]
    texts = [f"5.6.0 {f.code} line {f.line}: {f.message} [{f.severity}]" for f in shown]
    if len(findings) > len(shown):
        texts.append(f"5.6.0 ... and {len(findings) - len(shown)} more findings")
    texts.append(
        f"5.6.0 message rejected by maillint: {_count_text(report)} (reject-on {reject_on})"
    )
    return multiline_reply(550, texts)


def _smtp_reply(code: int, message: bytes | str) -> str:
    """An upstream reply passed on: its code, its lines (smtplib joins them with LF)."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    if not 200 <= code <= 599 or code == 421:
        # 421 would tell our client that *this* server is closing the session.
        return multiline_reply(451, [f"4.4.2 upstream replied {code}", *text.split("\n")])
    return multiline_reply(code, text.split("\n"))


# ---------------------------------------------------------------- console


def _printable(text: str) -> str:
    """Attacker-controlled text for a terminal: no control characters."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def _peer_text(peer: Any) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"
    return str(peer)


def _address(addr: str | None) -> str:
    if not addr or addr == "<>":
        return "<>"
    return f"<{_printable(addr)}>"


def console_line(
    peer: Any,
    envelope: Envelope,
    verdict: str,
    report: Report | None,
    *,
    user: str | None = None,
) -> str:
    """One line per message: when, client, sender, recipients, verdict, worst findings."""
    when = time.strftime("%Y-%m-%d %H:%M:%S")
    who = _peer_text(peer) + (f" user={_printable(user)}" if user else "")
    rcpts = ",".join(_address(r) for r in envelope.rcpt_tos)
    line = f"{when} {who} from={_address(envelope.mail_from)} to={rcpts} {verdict}"
    if report is not None:
        line += f"; {_count_text(report)}"
        worst = report.worst()
        if worst is not None:
            top = [f for f in _by_severity(report.findings) if f.severity == worst]
            shown = ", ".join(f"{f.code} line {f.line} {f.name}" for f in top[:3])
            more = f" (+{len(top) - 3} more)" if len(top) > 3 else ""
            line += f"; worst: {shown}{more}"
    return line


# ---------------------------------------------------------------- the SMTP protocol


class _Authenticator:
    """Checks credentials against the configured users; holds the only copy of them."""

    def __init__(self, users: Mapping[str, str]) -> None:
        self._users = {u.encode("utf-8"): p.encode("utf-8") for u, p in users.items()}

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        if mechanism == "CRAM-MD5":
            user, challenge, digest = data
            expected = self._users.get(user)
            ok = expected is not None and hmac.compare_digest(
                hmac.new(expected, challenge, hashlib.md5).hexdigest().encode("ascii"),
                digest.lower(),
            )
        else:
            user, password = data.login, data.password
            expected = self._users.get(user)
            # compare_digest on equal lengths only would leak the length; hash both first.
            ok = expected is not None and hmac.compare_digest(
                hashlib.sha256(expected).digest(), hashlib.sha256(password).digest()
            )
        if not ok:
            return AuthResult(success=False, handled=False)  # 535 5.7.8
        return AuthResult(success=True, auth_data=user.decode("utf-8", "replace"))


class _Session(Session):
    # aiosmtpd's login_data property logs a deprecation warning on every AUTH,
    # which its own smtp_AUTH sets: a plain attribute here.
    login_data: Any = None


class ServeProtocol(SMTP):
    """aiosmtpd's SMTP protocol with the changes this module's docstring lists."""

    AuthLoginUsernameChallenge = "Username:"
    AuthLoginPasswordChallenge = "Password:"

    def __init__(
        self,
        handler: LintingHandler,
        *,
        users: Mapping[str, str],
        max_size: int,
        auth_require_tls: bool,
        tls_context: ssl.SSLContext | None,
        hostname: str,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        # Read by SMTP.__init__ for its StreamReader, and in DATA: a line may be
        # as long as the whole message may be (+3: a stuffed dot and CRLF).
        self.line_length_limit = max_size + 3
        super().__init__(
            handler,
            data_size_limit=max_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=hostname,
            ident=f"ESMTP maillint {__version__}",
            tls_context=tls_context,
            auth_require_tls=auth_require_tls,
            authenticator=_Authenticator(users),
            loop=loop,
        )
        # aiosmtpd keeps these in one class-level dict that every new connection clears.
        self.command_size_limits = collections.defaultdict(lambda: self.command_size_limit)
        self._auth_enabled = bool(users)

    def _create_session(self) -> Session:
        return _Session(self.loop)

    async def check_auth_needed(self, caller_method: str) -> bool:
        """With users configured, AUTH comes before MAIL (and so before RCPT and DATA)."""
        assert self.session is not None
        if self._auth_enabled and not self.session.authenticated:
            await self.push("530 5.7.0 Authentication required")
            return True
        return False

    async def smtp_AUTH(self, arg: str) -> None:
        if not self._auth_enabled:
            await self.push("502 5.5.1 AUTH not available (maillint serve runs without --auth)")
            return
        await super().smtp_AUTH(arg)

    async def challenge_auth(
        self,
        challenge: str | bytes,
        encode_to_b64: bool = True,
        log_client_response: bool = False,
    ) -> Any:
        """A 334 challenge and the client's answer, decoded; MISSING after a 501.

        RFC 4954 4: a line holding ``*`` cancels the exchange, answered with
        501.  Unlike aiosmtpd's, this never logs what the client sent.
        """
        raw = challenge.encode("utf-8") if isinstance(challenge, str) else challenge
        await self.push(b"334 " + (b64encode(raw) if encode_to_b64 else raw))
        line = await self._reader.readline()
        blob = line.strip()
        if blob == b"*":
            await self.push("501 5.7.0 Authentication cancelled")
            return MISSING
        try:
            return b64decode(blob, validate=True)
        except (Base64Error, ValueError):
            await self.push("501 5.5.2 Cannot decode the base64 answer")
            return MISSING

    async def auth_PLAIN(self, _: Any, args: list[str]) -> AuthResult:
        """RFC 4616: ``[authzid] NUL authcid NUL passwd``, initial response or after 334.

        An authzid equal to the user, or empty, is accepted; acting as another
        identity is not supported (535).
        """
        if len(args) == 1:
            blob = await self.challenge_auth("")
            if blob is MISSING:
                return AuthResult(success=False, handled=True)
        elif args[1] == "=":  # RFC 4954 4: an empty initial response
            blob = b""
        else:
            try:
                blob = b64decode(args[1].encode("ascii"), validate=True)
            except (Base64Error, ValueError, UnicodeEncodeError):
                await self.push("501 5.5.2 Cannot decode the base64 answer")
                return AuthResult(success=False, handled=True)
        parts = blob.split(b"\x00")
        if len(parts) != 3 or not parts[1]:
            await self.push("501 5.5.2 PLAIN expects [authzid] NUL user NUL password")
            return AuthResult(success=False, handled=True)
        authzid, authcid, password = parts
        if authzid and authzid != authcid:
            return AuthResult(success=False, handled=False)
        return self._authenticate("PLAIN", LoginPassword(authcid, password))

    @auth_mechanism("CRAM-MD5")
    async def auth_CRAM_MD5(self, _: Any, args: list[str]) -> AuthResult:
        """RFC 2195: a challenge, then ``user SP hex(HMAC-MD5(password, challenge))``."""
        if len(args) > 1:
            await self.push("501 5.5.2 CRAM-MD5 takes no initial response")
            return AuthResult(success=False, handled=True)
        challenge = f"<{secrets.randbits(64)}.{int(time.time())}@{self.hostname}>".encode()
        blob = await self.challenge_auth(challenge)
        if blob is MISSING:
            return AuthResult(success=False, handled=True)
        user, space, digest = blob.rpartition(b" ")
        if not space or not user or not digest:
            await self.push("501 5.5.2 CRAM-MD5 expects user SP digest")
            return AuthResult(success=False, handled=True)
        return self._authenticate("CRAM-MD5", (user, challenge, digest))


# ---------------------------------------------------------------- storing


class Store:
    """A folder of accepted messages: ``NAME.eml``, ``NAME.json`` beside it, ``index.html``.

    The ``.eml`` holds the octets exactly as received; the ``.json`` is what
    ``maillint check --format json`` gives for it, plus an ``envelope`` (client,
    user, MAIL FROM, RCPT TO, time); ``index.html`` is the HTML report of every
    message in the folder (messages already there at start are linted again
    once, with the current profile).  Only one thread may use a Store.
    """

    INDEX = "index.html"

    def __init__(self, folder: Path, *, profile: Profile, fail_on: Severity) -> None:
        self.folder = folder
        self.profile = profile
        self.fail_on = fail_on
        folder.mkdir(parents=True, exist_ok=True)
        self._reports: list[Report] = []
        self._stale = True

    def load(self) -> None:
        """Lint the messages already in the folder, for the index."""
        for path in sorted(self.folder.glob("*.eml")):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            self._reports.append(lint_bytes(data, profile=self.profile, path=path.name))
        self._stale = True

    def _reserve(self) -> tuple[Path, BinaryIO]:
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        for number in range(1, 100000):
            path = self.folder / f"{stamp}-{number:04d}.eml"
            try:
                return path, open(path, "xb")  # noqa: SIM115 - closed by the caller
            except FileExistsError:
                continue
        raise OSError(f"{self.folder}: cannot find a free file name")

    def save(self, data: bytes, report: Report, envelope: dict[str, Any]) -> str:
        """Write the message and its JSON report; the message's file name."""
        from maillint.report import json_format
        from maillint.runner import Results

        path, stream = self._reserve()
        with stream:
            stream.write(data)
        name = path.name
        report = dataclasses.replace(
            report,
            path=name,
            findings=[dataclasses.replace(f, path=name) for f in report.findings],
        )
        doc = json_format.to_dict(Results(report.profile, [report]))
        doc["envelope"] = envelope
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        _write_atomic(path.with_suffix(".json"), text.encode("utf-8"))
        self._reports.append(report)
        self._stale = True
        return name

    def write_index(self) -> None:
        """Regenerate ``index.html`` (the HTML report of the folder) if a message came since."""
        from maillint.report import FORMATS, RenderOptions
        from maillint.runner import Results

        if not self._stale:
            return
        self._stale = False
        reports = []
        for report in self._reports:
            try:
                data = (self.folder / report.path).read_bytes()
            except OSError:
                continue  # removed by the user: out of the index
            reports.append(dataclasses.replace(report, data=data))
        self._reports = [dataclasses.replace(r, data=None) for r in reports]
        options = RenderOptions(fail_on=self.fail_on)
        page = FORMATS["html"](Results(self.profile.name, reports), options)
        _write_atomic(self.folder / self.INDEX, page.encode("utf-8"))


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


# ---------------------------------------------------------------- relaying

# Dot-stuffing at the start of each CRLF line only (RFC 5321 4.5.2): the
# receiver removes a dot only there, so the message arrives unchanged.
_LINE_START_DOT = re.compile(rb"(?:\A|(?<=\r\n))\.")


def relay_message(
    config: ServeConfig, mail_from: str, rcpt_tos: Sequence[str], smtputf8: bool, data: bytes
) -> tuple[int, str]:
    """Forward one message upstream with smtplib (blocking: run it in a thread).

    All or nothing: when the upstream refuses the sender or any recipient, the
    transaction is reset and its reply comes back; the message is sent only
    when every recipient is accepted.  Returns the reply for our client.
    """
    assert config.relay is not None
    host, port = config.relay
    try:
        client = smtplib.SMTP(host, port, timeout=config.relay_timeout)
    except (OSError, smtplib.SMTPException) as exc:
        return 451, multiline_reply(451, [f"4.4.1 upstream {host}:{port} unreachable: {exc}"])
    try:
        with client:
            return _relay_session(client, config, mail_from, rcpt_tos, smtputf8, data)
    except smtplib.SMTPResponseException as exc:
        return exc.smtp_code, _smtp_reply(exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPException) as exc:
        return 451, multiline_reply(451, [f"4.4.2 upstream {host}:{port}: {exc}"])


def _relay_session(
    client: smtplib.SMTP,
    config: ServeConfig,
    mail_from: str,
    rcpt_tos: Sequence[str],
    smtputf8: bool,
    data: bytes,
) -> tuple[int, str]:
    client.ehlo()
    if config.relay_tls:
        if not client.has_extn("starttls"):
            return 451, multiline_reply(451, ["4.7.0 upstream does not offer STARTTLS"])
        client.starttls(context=ssl.create_default_context(cafile=config.relay_cafile))
        client.ehlo()
    if config.relay_auth is not None:
        try:
            client.login(*config.relay_auth)
        except smtplib.SMTPAuthenticationError as exc:
            text = exc.smtp_error.decode("utf-8", "replace").replace("\n", " ")
            reply = f"4.7.0 upstream refused our credentials: {exc.smtp_code} {text}"
            return 451, multiline_reply(451, [reply])
        except smtplib.SMTPNotSupportedError:
            return 451, multiline_reply(451, ["4.7.0 upstream does not offer AUTH"])
    options: list[str] = []
    if client.has_extn("size"):
        options.append(f"SIZE={len(data)}")
    if client.has_extn("8bitmime") and not data.isascii():
        options.append("BODY=8BITMIME")
    if smtputf8:
        if not client.has_extn("smtputf8"):
            return 553, multiline_reply(553, ["5.6.7 upstream does not support SMTPUTF8"])
        options.append("SMTPUTF8")
    code, message = client.mail(mail_from, options)
    if code != 250:
        client.rset()
        return code, _smtp_reply(code, message)
    refused: list[tuple[str, int, bytes]] = []
    for rcpt in rcpt_tos:
        code, message = client.rcpt(rcpt)
        if code not in (250, 251):
            refused.append((rcpt, code, message))
    if refused:
        client.rset()
        code = refused[0][1]
        texts = [
            f"<{r}>: {c} {m.decode('utf-8', 'replace').replace(chr(10), ' ')}"
            for r, c, m in refused
        ]
        if len(refused) < len(rcpt_tos):
            texts.append("nothing was sent: every recipient must be accepted")
        if not 200 <= code <= 599 or code == 421:
            code = 451
        return code, multiline_reply(code, texts)
    client.putcmd("data")
    code, message = client.getreply()
    if code != 354:
        return code, _smtp_reply(code, message)
    stuffed = _LINE_START_DOT.sub(b"..", data)
    if stuffed and not stuffed.endswith(b"\r\n"):
        stuffed += b"\r\n"
    client.send(stuffed + b".\r\n")
    code, message = client.getreply()
    return code, _smtp_reply(code, message)


# ---------------------------------------------------------------- the handler


class LintingHandler:
    """aiosmtpd handler: lint at the end of DATA, then reject, store or relay."""

    def __init__(self, config: ServeConfig, profile: Profile, echo: Echo) -> None:
        self.config = config
        self.profile = profile
        self.echo = echo
        self.store: Store | None = None
        if config.store is not None:
            fail_on = config.reject_on or Severity.ERROR
            try:
                self.store = Store(config.store, profile=profile, fail_on=fail_on)
            except OSError as exc:
                raise ServeError(f"{config.store}: cannot create: {exc.strerror or exc}") from None
        # One worker thread lints and stores, in arrival order: linting never
        # blocks the event loop, and the store is written by one writer.
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="maillint-lint")
        if self.store is not None:
            self._worker.submit(self.store.load)
            self._worker.submit(self._write_index)

    def _write_index(self) -> None:
        assert self.store is not None
        try:
            self.store.write_index()
        except Exception as exc:  # noqa: BLE001 - the messages are kept; only the page failed
            self.echo(f"maillint serve: cannot write {self.store.folder / Store.INDEX}: {exc!r}")

    def close(self) -> None:
        self._worker.shutdown(wait=True)

    async def handle_EHLO(
        self,
        server: ServeProtocol,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        session.host_name = hostname  # aiosmtpd leaves this to the hook when there is one
        if not server._auth_enabled:
            responses = [r for r in responses if not r.startswith("250-AUTH")]
        return [responses[0], "250-PIPELINING", *responses[1:]]

    def _lint(self, data: bytes, peer: str) -> Report:
        return lint_bytes(data, profile=self.profile, path=f"<smtp from {peer}>")

    async def handle_DATA(self, server: ServeProtocol, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or b""
        peer = _peer_text(session.peer)
        user = session.auth_data if isinstance(session.auth_data, str) else None
        loop = asyncio.get_running_loop()
        try:
            report = await loop.run_in_executor(self._worker, self._lint, data, peer)
        except Exception as exc:  # noqa: BLE001 - a lint bug must not drop the session
            self.echo(
                console_line(
                    session.peer, envelope, f"deferred 451 (lint failed: {exc!r})", None, user=user
                )
            )
            return "451 4.3.0 maillint failed on this message (a bug: please report it)"
        reject_on = self.config.reject_on
        if reject_on is not None and report.fails(reject_on):
            self.echo(console_line(session.peer, envelope, "rejected 550", report, user=user))
            return rejection_reply(report, reject_on)
        mail_from = "" if envelope.mail_from in (None, "<>") else envelope.mail_from
        if self.config.relay is not None:
            try:
                code, reply = await loop.run_in_executor(
                    None,
                    relay_message,
                    self.config,
                    mail_from,
                    list(envelope.rcpt_tos),
                    bool(envelope.smtp_utf8),
                    data,
                )
            except Exception as exc:  # noqa: BLE001 - a reply, never a dropped session
                code, reply = 451, multiline_reply(451, [f"4.3.0 relaying failed: {exc!r}"])
            verdict = f"relayed {code}" if 200 <= code < 300 else f"not relayed {code}"
            self.echo(console_line(session.peer, envelope, verdict, report, user=user))
            return reply
        assert self.store is not None
        info = {
            "received": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "peer": peer,
            "user": user,
            "mail_from": mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "mail_options": list(envelope.mail_options),
        }
        try:
            name = await loop.run_in_executor(self._worker, self.store.save, data, report, info)
        except OSError as exc:
            self.echo(
                console_line(session.peer, envelope, f"deferred 451 ({exc})", report, user=user)
            )
            return multiline_reply(451, [f"4.3.0 cannot store the message: {exc}"])
        self.echo(console_line(session.peer, envelope, f"stored {name}", report, user=user))
        loop.run_in_executor(self._worker, self._write_index)  # after the reply, in order
        return f"250 2.0.0 stored as {name} ({_count_text(report)})"


# ---------------------------------------------------------------- running


def _tls_context(config: ServeConfig) -> ssl.SSLContext | None:
    if config.tls_cert is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(config.tls_cert, config.tls_key)
    except (OSError, ssl.SSLError) as exc:
        raise ServeError(f"cannot load --tls-cert/--tls-key: {exc}") from None
    return context


class LintingServer:
    """The listening server: ``await start()``, ``port``, ``await close()``."""

    def __init__(self, config: ServeConfig, profile: Profile, *, echo: Echo | None = None) -> None:
        config.validate()
        self.config = config
        self.profile = profile
        self.echo: Echo = echo or (lambda line: print(line, flush=True))
        self._tls = _tls_context(config)
        self._hostname = config.hostname or socket.gethostname()
        self._server: asyncio.AbstractServer | None = None
        self._protocols: weakref.WeakSet[ServeProtocol] = weakref.WeakSet()
        self.handler = LintingHandler(config, profile, self.echo)

    def _factory(self) -> ServeProtocol:
        protocol = ServeProtocol(
            self.handler,
            users=self.config.users,
            max_size=self.config.max_size,
            auth_require_tls=self.config.requires_tls_for_auth(),
            tls_context=self._tls,
            hostname=self._hostname,
            loop=asyncio.get_running_loop(),
        )
        self._protocols.add(protocol)
        return protocol

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                self._factory, host=self.config.host, port=self.config.port
            )
        except BaseException:
            await loop.run_in_executor(None, self.handler.close)
            raise

    @property
    def address(self) -> tuple[str, int]:
        """The host and port actually bound (the port is chosen when 0 was asked)."""
        assert self._server is not None and self._server.sockets
        sockname = self._server.sockets[0].getsockname()
        return sockname[0], sockname[1]

    @property
    def port(self) -> int:
        return self.address[1]

    def describe(self) -> str:
        """The startup line."""
        host, port = self.address
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        config = self.config
        if config.store is not None:
            mode = f"sink, storing in {config.store}"
        else:
            assert config.relay is not None
            tls = " with STARTTLS" if config.relay_tls else ""
            mode = f"relay to {config.relay[0]}:{config.relay[1]}{tls}"
        users = len(config.users)
        auth = f"AUTH required ({users} user{'' if users == 1 else 's'})" if users else "no AUTH"
        reject = f"reject-on {config.reject_on}" if config.reject_on else "reject-on never"
        return (
            f"maillint serve: listening on {where} ({mode}; {reject}; {auth}; "
            f"profile {self.profile.name})"
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for protocol in list(self._protocols):
                if protocol.transport is not None:
                    protocol.transport.close()
            await self._server.wait_closed()
        await asyncio.get_running_loop().run_in_executor(None, self.handler.close)


async def serve_until(
    config: ServeConfig, profile: Profile, stop: asyncio.Event, *, echo: Echo | None = None
) -> None:
    """Run until ``stop`` is set (the CLI sets it on SIGINT and SIGTERM)."""
    server = LintingServer(config, profile, echo=echo)
    await server.start()
    server.echo(server.describe())
    try:
        await stop.wait()
    finally:
        await server.close()


def run(config: ServeConfig, profile: Profile, *, echo: Echo | None = None) -> None:
    """``maillint serve``: serve in the foreground until interrupted."""
    import logging
    import signal

    # aiosmtpd logs every command at INFO and some at WARNING: keep the console
    # to one line per message (records still reach handlers the caller installs).
    logging.getLogger("mail.log").addHandler(logging.NullHandler())

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop.set)
        await serve_until(config, profile, stop, echo=echo)

    asyncio.run(main())


@contextlib.contextmanager
def running(
    config: ServeConfig,
    profile: Profile,
    *,
    echo: Echo | None = None,
    timeout: float = 10.0,
) -> Iterator[LintingServer]:
    """Serve in a background thread for the ``with`` block (tests of sending code).

    ``port=0`` in ``config`` picks a free port; read it from ``server.port``.
    """
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, Any] = {}

    async def start() -> None:
        server = LintingServer(config, profile, echo=echo)
        await server.start()
        holder["server"] = server

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(start())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            holder["error"] = exc
            ready.set()
            return
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=main, name="maillint-serve", daemon=True)
    thread.start()
    if not ready.wait(timeout):
        raise TimeoutError("maillint serve did not start")
    if "error" in holder:
        thread.join(timeout)
        loop.close()
        raise holder["error"]
    server: LintingServer = holder["server"]
    try:
        yield server
    finally:
        future = asyncio.run_coroutine_threadsafe(server.close(), loop)
        try:
            future.result(timeout)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            _close_loop(loop)


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what is left (sessions of clients still connected) and close the loop."""
    if loop.is_running():
        return  # the thread did not stop in time; leave it to the interpreter
    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.run_until_complete(loop.shutdown_default_executor())
    loop.close()


__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_PORT",
    "LintingHandler",
    "LintingServer",
    "ServeConfig",
    "ServeError",
    "ServeProtocol",
    "Store",
    "is_loopback",
    "multiline_reply",
    "parse_credentials",
    "parse_hostport",
    "read_auth_file",
    "rejection_reply",
    "relay_message",
    "run",
    "running",
    "serve_until",
]

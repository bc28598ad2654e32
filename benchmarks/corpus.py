"""A deterministic corpus of mail for the benchmark, shaped like a real mailbox.

The same seed gives the same octets on every machine and Python version (only
``random.Random`` with a fixed seed, ``base64`` and the codecs are used), so
figures measured on two machines are figures for the same input.

The mix, by number of messages (and roughly by octets):

* 44 % short ASCII mails (text/plain, 7bit, a few hundred octets to 3 kB);
* 15 % Japanese mails in ISO-2022-JP (RFC 1468), with an RFC 2047 subject;
* 20 % multipart/alternative: text/plain and text/html, UTF-8, quoted-printable;
* 13 % multipart/mixed with one or two base64 attachments of 20 kB to 1 MB
  (log-uniform: most are small, a few are large; these hold most of the octets);
* 8 % broken: a 1,200-octet line, bare LF in CRLF text, a lost close-delimiter,
  bad base64, 8-bit text without charset, a malformed encoded word, a NUL,
  an unknown charset, a stray header line, an address that does not parse.

Every message has the header section real mail has: a chain of Received
fields, a folded DKIM-Signature, Message-ID, Date, From, To, Subject,
MIME-Version.  Six files in seven are in the Unix stored form (every line
ending in LF), as most files on disk are; the others end lines in CRLF.
"""

from __future__ import annotations

import base64
import quopri
import random
from collections.abc import Iterator
from pathlib import Path

KINDS = (
    ("ascii", 44),
    ("japanese", 15),
    ("alternative", 20),
    ("attachment", 13),
    ("broken", 8),
)
BROKEN = (
    "long-line",
    "bare-lf",
    "lost-close-delimiter",
    "bad-base64",
    "8bit-no-charset",
    "bad-encoded-word",
    "nul",
    "unknown-charset",
    "stray-header-line",
    "bad-address",
)
WORDS = (
    "the meeting report budget quarter draft review invoice schedule project team update "
    "please find attached below thanks regards tomorrow morning agenda notes customer "
    "release version server network mail archive backup question answer proposal summary"
).split()
# Plain Japanese text (hiragana, katakana, common kanji) to draw sentences from.
JAPANESE = (
    "いつもお世話になっております。来週の会議の資料を送付いたします。ご確認のほどよろしく"
    "お願いいたします。本日は晴天なり。明日の打ち合わせは午後三時からです。見積書と請求書"
    "を添付しました。メールの文字化けにご注意ください。携帯電話への配信テストを行います。"
)
DOMAINS = ("example.com", "example.org", "example.net", "mail.example.jp", "docomo.ne.jp")
NAMES = ("Alice Smith", "Bob Jones", "Carol White", "Dave Brown", "Eve Black", "Frank Green")


class Writer:
    """Builds one message from lines; ``eol`` decides the file's line-ending form."""

    def __init__(self, eol: bytes) -> None:
        self.eol = eol
        self.lines: list[bytes] = []

    def add(self, *lines: bytes) -> None:
        self.lines.extend(lines)

    def block(self, text: bytes) -> None:
        """Lines of an already line-broken block (split on LF)."""
        self.lines.extend(text.split(b"\n"))

    def data(self) -> bytes:
        return self.eol.join(self.lines) + self.eol


def _words(rng: random.Random, count: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(count))


def _paragraphs(rng: random.Random, octets: int, width: int = 72) -> list[bytes]:
    """ASCII prose wrapped at ``width``, about ``octets`` long, blank lines between paragraphs."""
    lines: list[bytes] = []
    total = 0
    while total < octets:
        words = _words(rng, rng.randint(20, 80)).capitalize() + "."
        line = ""
        for word in words.split():
            if len(line) + len(word) + 1 > width:
                lines.append(line.encode())
                total += len(line) + 1
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line.encode())
        lines.append(b"")
        total += len(line) + 2
    return lines


def _address(rng: random.Random) -> tuple[str, str]:
    name = rng.choice(NAMES)
    local = name.split()[0].lower() + str(rng.randint(1, 99))
    return name, f"{local}@{rng.choice(DOMAINS)}"


def _date(rng: random.Random) -> bytes:
    day = rng.randint(1, 28)
    return b"Mon, %02d Jan 2024 %02d:%02d:%02d +0900" % (
        day,
        rng.randint(0, 23),
        rng.randint(0, 59),
        rng.randint(0, 59),
    )


def _header(w: Writer, rng: random.Random, number: int, subject: bytes, **extra: bytes) -> None:
    """The header section of real mail, up to (not including) the MIME fields."""
    for hop in range(rng.randint(2, 5)):
        w.add(
            b"Received: from mx%d.example.net (mx%d.example.net [192.0.2.%d])" % (hop, hop, hop),
            b"\tby mail.example.com (Postfix) with ESMTPS id %08X" % rng.getrandbits(32),
            b"\tfor <bob@example.org>; " + _date(rng),
        )
    signature = base64.b64encode(rng.randbytes(128))
    w.add(
        b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;",
        b"\ts=sel1; t=1704067200; h=from:to:subject:date:message-id;",
        b"\tbh=" + base64.b64encode(rng.randbytes(32)) + b";",
        b"\tb=" + signature[:64],
        b"\t " + signature[64:],
    )
    name, address = _address(rng)
    to_name, to_address = _address(rng)
    w.add(
        extra.get("from", f"From: {name} <{address}>".encode()),
        f"To: {to_name} <{to_address}>".encode(),
        b"Subject: " + subject,
        b"Date: " + _date(rng),
        b"Message-ID: <%d.%08x@example.com>" % (number, rng.getrandbits(32)),
        b"MIME-Version: 1.0",
    )
    if rng.random() < 0.3:
        w.add(b"List-Unsubscribe: <mailto:unsubscribe@example.com?subject=unsubscribe>")


def _ascii(w: Writer, rng: random.Random, number: int) -> None:
    _header(w, rng, number, _words(rng, rng.randint(2, 8)).capitalize().encode())
    w.add(b"Content-Type: text/plain; charset=us-ascii", b"Content-Transfer-Encoding: 7bit", b"")
    w.add(*_paragraphs(rng, rng.randint(200, 3000)))


def _japanese_text(rng: random.Random, chars: int) -> str:
    start = rng.randrange(len(JAPANESE))
    text = (JAPANESE * (chars // len(JAPANESE) + 2))[start : start + chars]
    return text


def _japanese(w: Writer, rng: random.Random, number: int) -> None:
    subject = _japanese_text(rng, rng.randint(6, 14)).encode("iso2022_jp")
    encoded = b"=?ISO-2022-JP?B?" + base64.b64encode(subject) + b"?="
    _header(w, rng, number, encoded)
    w.add(b"Content-Type: text/plain; charset=ISO-2022-JP", b"Content-Transfer-Encoding: 7bit", b"")
    for _ in range(rng.randint(5, 40)):
        w.add(_japanese_text(rng, rng.randint(10, 30)).encode("iso2022_jp"))
        if rng.random() < 0.2:
            w.add(b"")


def _qp(text: bytes) -> bytes:
    return quopri.encodestring(text).replace(b"\r\n", b"\n").rstrip(b"\n")


def _alternative(w: Writer, rng: random.Random, number: int) -> None:
    _header(w, rng, number, "Newsletter — ".encode() + _words(rng, 4).encode())
    boundary = b"alt-%08x" % rng.getrandbits(32)
    w.add(b'Content-Type: multipart/alternative; boundary="' + boundary + b'"', b"")
    w.add(b"This is a multi-part message in MIME format.", b"")
    prose = b"\n".join(_paragraphs(rng, rng.randint(500, 6000))).decode()
    text = prose.replace("report", "rapport — naïve café").encode("utf-8")
    w.add(b"--" + boundary, b"Content-Type: text/plain; charset=utf-8")
    w.add(b"Content-Transfer-Encoding: quoted-printable", b"")
    w.block(_qp(text))
    html = "<html><head><title>Newsletter</title></head><body>" + "".join(
        f'<p style="font-family: Arial, sans-serif; color: #333333;">{p}</p>'
        for p in prose.split("\n\n")
    )
    html += "</body></html>"
    w.add(b"--" + boundary, b"Content-Type: text/html; charset=utf-8")
    w.add(b"Content-Transfer-Encoding: quoted-printable", b"")
    w.block(_qp(html.encode("utf-8")))
    w.add(b"--" + boundary + b"--", b"")


def _attachment_size(rng: random.Random) -> int:
    """20 kB to 1 MB, log-uniform."""
    return int(20_000 * (50 ** rng.random()))


def _base64_lines(data: bytes) -> list[bytes]:
    encoded = base64.b64encode(data)
    return [encoded[i : i + 76] for i in range(0, len(encoded), 76)]


def _attachment(w: Writer, rng: random.Random, number: int) -> None:
    _header(w, rng, number, b"Documents: " + _words(rng, 3).encode())
    boundary = b"mix-%08x" % rng.getrandbits(32)
    w.add(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"")
    w.add(b"--" + boundary, b"Content-Type: text/plain; charset=us-ascii", b"")
    w.add(*_paragraphs(rng, rng.randint(100, 800)))
    for n in range(rng.choice((1, 1, 1, 2))):
        kind = rng.choice(
            (
                (b"application/pdf", b"report%d.pdf"),
                (b"image/jpeg", b"photo%d.jpg"),
                (b"application/zip", b"archive%d.zip"),
            )
        )
        name = kind[1] % n
        w.add(b"--" + boundary, b"Content-Type: " + kind[0] + b'; name="' + name + b'"')
        w.add(b"Content-Transfer-Encoding: base64")
        w.add(b'Content-Disposition: attachment; filename="' + name + b'"', b"")
        w.add(*_base64_lines(rng.randbytes(_attachment_size(rng))))
    w.add(b"--" + boundary + b"--")


def _broken(w: Writer, rng: random.Random, number: int) -> None:
    kind = BROKEN[number % len(BROKEN)]
    subject = b"Broken: " + kind.encode()
    if kind == "bad-encoded-word":
        subject = b"=?utf-8?Q?bad word?= =?utf-8?B?not*base64?="
    _header(
        w,
        rng,
        number,
        subject,
        **({"from": b"From: Alice <alice@@example..com"} if kind == "bad-address" else {}),
    )
    if kind == "stray-header-line":
        w.add(b"this line is not a header field")
    if kind in ("lost-close-delimiter", "bad-base64"):
        boundary = b"broken-%d" % number
        w.add(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"")
        w.add(b"--" + boundary, b"Content-Type: text/plain; charset=us-ascii", b"")
        w.add(*_paragraphs(rng, 400))
        w.add(b"--" + boundary, b"Content-Type: application/octet-stream")
        w.add(b"Content-Transfer-Encoding: base64", b"")
        lines = _base64_lines(rng.randbytes(30_000))
        if kind == "bad-base64":
            lines[3] = lines[3][:40] + b"*!" + lines[3][42:]
            lines[-1] = lines[-1].rstrip(b"=")[:-1]
        w.add(*lines)
        if kind == "bad-base64":
            w.add(b"--" + boundary + b"--")
        return
    charset = {"unknown-charset": b"x-unknown-8bit", "8bit-no-charset": None}.get(kind, b"utf-8")
    content_type = b"Content-Type: text/plain" + (b"; charset=" + charset if charset else b"")
    w.add(content_type, b"Content-Transfer-Encoding: 8bit", b"")
    body = _paragraphs(rng, rng.randint(300, 2000))
    if kind in ("8bit-no-charset", "unknown-charset"):
        body[0] = "Grüße aus Köln, naïve café.".encode()
    if kind == "long-line":
        body[1] = b"x" * 1200
    if kind == "nul":
        body[1] = body[1][:10] + b"\x00" + body[1][10:]
    if kind == "bare-lf":
        body[1] = body[1] + b"\n" + body[2]
    w.add(*body)


MAKERS = {
    "ascii": _ascii,
    "japanese": _japanese,
    "alternative": _alternative,
    "attachment": _attachment,
    "broken": _broken,
}


def message(number: int, seed: int = 0) -> tuple[str, bytes]:
    """Message ``number`` of the corpus: its kind and its octets."""
    rng = random.Random(seed * 1_000_003 + number)
    kind = rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0]
    eol = b"\r\n" if number % 7 == 0 else b"\n"
    if kind == "broken" and BROKEN[number % len(BROKEN)] == "bare-lf":
        eol = b"\r\n"  # a bare LF is only a problem among CRLF line ends
    writer = Writer(eol)
    MAKERS[kind](writer, rng, number)
    return kind, writer.data()


def messages(count: int, seed: int = 0) -> Iterator[tuple[str, bytes]]:
    """The first ``count`` messages of the corpus."""
    for number in range(count):
        yield message(number, seed)


def write(folder: Path, megabytes: float, seed: int = 0) -> list[Path]:
    """Write messages as ``.eml`` files until ``megabytes`` are written; the paths in order.

    Files go in subfolders of 500 (as a real archive is split), named so that
    the walk order is the numbering order.
    """
    paths = []
    total = 0
    number = 0
    while total < megabytes * 1_000_000:
        _, data = message(number, seed)
        sub = folder / f"{number // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{number:06d}.eml"
        path.write_bytes(data)
        paths.append(path)
        total += len(data)
        number += 1
    return paths


def big_message(megabytes: float, seed: int = 0) -> bytes:
    """One message of about ``megabytes``, with every kind of content rules look at.

    A multipart/mixed with a long UTF-8 quoted-printable text part (a tenth of
    the size), an ISO-2022-JP part (a tenth), an HTML part (a tenth) and a base64
    attachment for the rest; CRLF line ends, as on the wire.
    """
    rng = random.Random(seed)
    size = int(megabytes * 1_000_000)
    w = Writer(b"\r\n")
    _header(w, rng, 1, b"A big message")
    boundary = b"big-boundary"
    w.add(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"")
    prose = b"\n".join(_paragraphs(rng, size // 10)).decode()
    w.add(b"--" + boundary, b"Content-Type: text/plain; charset=utf-8")
    w.add(b"Content-Transfer-Encoding: quoted-printable", b"")
    w.block(_qp(prose.replace("report", "rapport — naïve").encode("utf-8")))
    w.add(b"--" + boundary, b"Content-Type: text/plain; charset=ISO-2022-JP", b"")
    japanese = 0
    while japanese < size // 10:
        line = _japanese_text(rng, 30).encode("iso2022_jp")
        w.add(line)
        japanese += len(line) + 2
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in prose.split("\n\n")) + "</body></html>"
    w.add(b"--" + boundary, b"Content-Type: text/html; charset=utf-8")
    w.add(b"Content-Transfer-Encoding: quoted-printable", b"")
    w.block(_qp(html.encode("utf-8")))
    w.add(b"--" + boundary, b'Content-Type: application/octet-stream; name="data.bin"')
    w.add(b"Content-Transfer-Encoding: base64", b"")
    so_far = sum(len(line) + 2 for line in w.lines)
    w.add(*_base64_lines(rng.randbytes(max(0, (size - so_far) * 3 // 4 - 100))))
    w.add(b"--" + boundary + b"--")
    return w.data()


def mbox_messages(count: int, size: int, seed: int = 0) -> Iterator[bytes]:
    """``count`` messages of about ``size`` octets each, stored (LF) for an mbox.

    Each has a text part with a line that starts with ``From `` (quoted as
    ``>From `` by the mbox writer) and a base64 attachment for the rest.
    """
    rng = random.Random(seed)
    for number in range(count):
        w = Writer(b"\n")
        _header(w, rng, number, b"Archived message %d" % number)
        boundary = b"mbox-%d" % number
        w.add(b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"")
        w.add(b"--" + boundary, b"Content-Type: text/plain; charset=us-ascii", b"")
        w.add(*_paragraphs(rng, 600), b"From the archive, with regards.", b"")
        w.add(b"--" + boundary, b"Content-Type: application/octet-stream")
        w.add(b"Content-Transfer-Encoding: base64", b"")
        so_far = sum(len(line) + 1 for line in w.lines)
        w.add(*_base64_lines(rng.randbytes(max(0, (size - so_far) * 3 // 4 - 40))))
        w.add(b"--" + boundary + b"--")
        yield w.data()

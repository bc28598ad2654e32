"""Helpers shared by the tests: build messages, lint them, read findings as tuples."""

from __future__ import annotations

from maillint import Report, lint_bytes

HEAD = (
    b"From: Alice <alice@example.com>\r\n"
    b"To: bob@example.org\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <20240101090000.1@example.com>\r\n"
    b"Subject: hello\r\n"
)


def msg(extra: bytes = b"", body: bytes = b"Hello Bob.\r\n", head: bytes = HEAD) -> bytes:
    """A wire-form message: the valid header section, extra fields, empty line, body."""
    return head + extra + b"\r\n" + body


def lint(data: bytes, *codes: str, **options) -> Report:
    """Lint with only the given rules (or the whole default profile when none)."""
    return lint_bytes(data, select=list(codes) or None, **options)


def hits(data: bytes, *codes: str, **options) -> list[tuple[str, int, int]]:
    """(code, line, column) of every finding of the given rules."""
    return [(f.code, f.line, f.column) for f in lint(data, *codes, **options).findings]


def mutations(seed: bytes, alphabet: bytes, rng, count: int = 300):
    """``count`` copies of ``seed``, each with 1-12 random replacements, deletions
    and insertions of octets from ``alphabet``: cheap robustness inputs."""
    for _ in range(count):
        data = bytearray(seed)
        for _ in range(rng.randint(1, 12)):
            position = rng.randrange(len(data))
            action = rng.random()
            if action < 0.4:
                data[position] = rng.choice(alphabet)
            elif action < 0.7:
                del data[position : position + rng.randint(1, 20)]
            else:
                data[position:position] = bytes(
                    rng.choice(alphabet) for _ in range(rng.randint(1, 5))
                )
        yield bytes(data)

"""Rule implementations, one module per family; importing this registers them all."""

from maillint.checks import (  # noqa: F401
    addresses,
    attachments,
    carrier,
    charset,
    encoded_words,
    headers,
    japanese,
    limits,
    lines,
    structure,
    transfer,
)

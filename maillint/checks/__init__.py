"""Rule implementations, one module per family; importing this registers them all."""

from maillint.checks import (  # noqa: F401
    addresses,
    charset,
    encoded_words,
    headers,
    lines,
    structure,
    transfer,
)

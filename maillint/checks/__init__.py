"""Rule implementations, one module per family; importing this registers them all."""

from maillint.checks import addresses, headers, lines  # noqa: F401

"""Output formats: one module per format, each with one ``render()``.

Every format renders the same ``Results``; the CLI only picks one from
``FORMATS`` and writes what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from maillint.findings import Severity
from maillint.report import github, html, json_format, sarif, text
from maillint.runner import Results


@dataclass(frozen=True)
class RenderOptions:
    """Presentation choices that some formats use and others ignore."""

    color: bool = False
    statistics: bool = False
    quiet: bool = False
    fail_on: Severity = Severity.ERROR


Renderer = Callable[[Results, RenderOptions], str]

FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "html": html.render,
    "sarif": sarif.render,
    "github": github.render,
}

# Formats that show each message's octets: the runner keeps them only when asked.
NEEDS_SOURCE: frozenset[str] = frozenset({"html"})

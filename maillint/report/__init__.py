"""Output formats: one module per format, each with one ``render()``.

Every format renders the same ``Results``; the CLI only picks one from
``FORMATS`` and writes what it returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from maillint.findings import Severity
from maillint.report import github, json_format, sarif, text
from maillint.runner import Results


@dataclass(frozen=True)
class RenderOptions:
    """Presentation choices that some formats use and others ignore."""

    color: bool = False
    statistics: bool = False
    quiet: bool = False
    fail_on: Severity = Severity.ERROR


Renderer = Callable[[Results, RenderOptions], str]


def _render_html(results: Results, options: RenderOptions) -> str:
    """The HTML renderer, imported on first use: jinja2 costs start-up time
    that a text or JSON run (a pre-send hook, a CI step) should not pay."""
    return import_module("maillint.report.html").render(results, options)


FORMATS: dict[str, Renderer] = {
    "text": text.render,
    "json": json_format.render,
    "html": _render_html,
    "sarif": sarif.render,
    "github": github.render,
}

# Formats that show each message's octets: the runner keeps them only when asked.
NEEDS_SOURCE: frozenset[str] = frozenset({"html"})

"""The JSON format: one document for the whole run.

Shape (documented in the README)::

    {"tool": "maillint", "version": "...", "profile": "default",
     "summary": {"messages": 2, "error": 1, "warning": 0, "info": 3, "unreadable": 0},
     "results": [{"path": ..., "index": null, "findings": [{...}, ...]}, ...],
     "errors": [{"path": ..., "message": ...}]}
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from maillint.findings import Severity

if TYPE_CHECKING:
    from maillint.report import RenderOptions
    from maillint.runner import Results


def to_dict(results: Results) -> dict[str, object]:
    """The run as plain data."""
    from maillint import __version__

    counts = results.counts()
    summary: dict[str, int] = {"messages": len(results.reports)}
    summary.update({str(s): counts.get(s, 0) for s in reversed(Severity)})
    summary["unreadable"] = len(results.errors)
    return {
        "tool": "maillint",
        "version": __version__,
        "profile": results.profile,
        "summary": summary,
        "results": [report.to_dict() for report in results.reports],
        "errors": [asdict(error) for error in results.errors],
    }


def render(results: Results, options: RenderOptions) -> str:
    """The JSON document, indented for people, one trailing newline."""
    return json.dumps(to_dict(results), indent=2, ensure_ascii=False) + "\n"

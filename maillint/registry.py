"""How a rule declares itself, and the table of every rule.

A rule is one function decorated with ``@rule``: the decorator records its
code, name, default severity, parameters with their defaults, references and
a bad and a good example (as bytes: a bare CR or a 999-octet line cannot be
written unambiguously in prose).  The function's docstring holds the prose:
"What it does" and "Why it matters".  The decorator only records metadata;
``explain``, the README table and the profile checks all read this one table.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from maillint.findings import Hit, Severity

if TYPE_CHECKING:
    from maillint.parse import ParsedMessage

CheckFunction = Callable[["ParsedMessage", Mapping[str, object]], Iterator[Hit]]


@dataclass(frozen=True)
class Rule:
    """Everything known about one rule, from its declaration."""

    code: str
    name: str
    summary: str
    severity: Severity
    check: CheckFunction
    params: Mapping[str, object] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    bad: bytes = b""
    good: bytes = b""
    fixable: bool = False
    default_on: bool = True  # False: off in the default profile (the carrier limits)

    @property
    def family(self) -> str:
        """The two-letter family: LN, HD, AD, ..."""
        return self.code[:2]

    @property
    def doc(self) -> str:
        """The rule's prose documentation (its function's docstring)."""
        return inspect.cleandoc(self.check.__doc__ or "")


REGISTRY: dict[str, Rule] = {}


def rule(
    code: str,
    name: str,
    *,
    severity: str,
    summary: str,
    bad: bytes,
    good: bytes,
    params: Mapping[str, object] | None = None,
    references: tuple[str, ...] = (),
    fixable: bool = False,
    default_on: bool = True,
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check function as rule ``code``.

    ``params`` maps parameter names (as written in profiles, kebab-case) to
    their defaults; the default's type is the parameter's type.  A rule with
    ``default_on=False`` (the carrier limits) is off in the default profile;
    ``severity`` is still what it runs at where a profile turns it on.
    """

    def register(check: CheckFunction) -> CheckFunction:
        if code in REGISTRY:
            raise ValueError(f"rule {code} registered twice")
        REGISTRY[code] = Rule(
            code=code,
            name=name,
            summary=summary,
            severity=Severity.parse(severity),
            check=check,
            params=dict(params or {}),
            references=references,
            bad=bad,
            good=good,
            fixable=fixable,
            default_on=default_on,
        )
        return check

    return register


_SORTED: dict[str, Rule] = {}


def all_rules() -> dict[str, Rule]:
    """Every registered rule, by code, in code order (importing the checks first).

    The engine asks once per message: the sorted table is kept until a rule
    is registered. Callers must not change it.
    """
    import maillint.checks  # noqa: F401  (registers the rules)

    if len(_SORTED) != len(REGISTRY):
        _SORTED.clear()
        _SORTED.update(sorted(REGISTRY.items()))
    return _SORTED

"""Profiles: which rules run, at what severity, with what parameters.

Profiles are TOML data in the top-level ``rules/`` folder (carried inside the
package by the wheel).  A profile may ``extends`` another and override, per
rule code, the severity (``off`` included) and parameters.  A profile without
``extends`` starts from nothing: ``default.toml`` is the one that turns the
whole catalog on.  Mistakes in a profile are errors that name the file, the
line and the known alternatives, because a typo that silently disables a rule
is the worst kind of configuration bug.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

from maillint.findings import Severity
from maillint.registry import Rule, all_rules

PROFILE_KEYS = {"description", "extends", "rules", "carrier", "domains"}
DEFAULT_PROFILE = "default.toml"
CONFIG_KEYS = {"profile", "select", "ignore", "fail-on", "line-endings", "include", "rules"}


class ProfileError(ValueError):
    """A profile or configuration file that cannot be used as written."""


@dataclass(frozen=True)
class RuleSetting:
    """How one rule runs: its severity (None when off) and its parameters."""

    severity: Severity | None
    params: Mapping[str, object]


@dataclass(frozen=True)
class Profile:
    """A resolved profile: a setting for every registered rule."""

    name: str
    description: str
    path: Path | None
    settings: Mapping[str, RuleSetting]
    carrier: str | None = None
    domains: tuple[str, ...] = ()
    # Rules turned off by --select/--ignore: no carrier overlay revives them.
    excluded: frozenset[str] = frozenset()

    def enabled(self) -> dict[str, RuleSetting]:
        """The rules that run, by code."""
        return {code: s for code, s in self.settings.items() if s.severity is not None}


def rules_dir() -> Path:
    """Where the built-in profiles are: inside the installed package, or the checkout's rules/."""
    here = Path(__file__).resolve().parent
    packaged = here / "rules"
    return packaged if packaged.is_dir() else here.parent / "rules"


def list_profiles() -> list[tuple[str, str, Path]]:
    """The built-in profiles: name, description, file (the default profile first)."""
    found = []
    default = DEFAULT_PROFILE.removesuffix(".toml")
    for path in sorted(rules_dir().glob("*.toml"), key=lambda p: (p.stem != default, p.stem)):
        data = _read_toml(path)
        found.append((path.stem, str(data.get("description", "")), path))
    return found


def _read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{path}: not valid TOML: {exc}") from None


def _line_of(path: Path, *keys: str) -> int:
    """The line where ``keys`` (a table path, then a key) appear in the file.

    tomllib gives no positions, so search the text the way vale does: find the
    first key, then each following key after it.  Falls back to line 1.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 1
    found, start = 1, 0
    for key in keys:
        pattern = re.compile(rf"""(^|[\s.\["']){re.escape(key)}(["']?\s*[=\].]|$)""")
        for number in range(start, len(lines)):
            if pattern.search(lines[number]):
                found, start = number + 1, number
                break
    return found


def where(path: Path | None, *keys: str) -> str:
    return f"{path}:{_line_of(path, *keys)}" if path else "configuration"


def suggest(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _check_param(path: Path | None, code: str, key: str, value: object, rule: Rule) -> None:
    if key not in rule.params:
        known = ", ".join(sorted(rule.params)) or "none"
        raise ProfileError(
            f"{where(path, code, key)}: {code} has no parameter {key!r} (known: {known})"
        )
    default = rule.params[key]
    ok = isinstance(value, type(default)) and not (
        isinstance(value, bool) and not isinstance(default, bool)
    )
    if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
        ok = True
    if not ok:
        raise ProfileError(
            f"{where(path, code, key)}: {code}.{key} must be {type(default).__name__}, "
            f"not {type(value).__name__} ({value!r})"
        )
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        # Every number a rule takes is a size, a count or a limit.
        raise ProfileError(f"{where(path, code, key)}: {code}.{key} must not be negative")


def _severity_of(path: Path | None, code: str, value: object) -> Severity | None:
    if value == "off":
        return None
    if not isinstance(value, str):
        raise ProfileError(f"{where(path, code)}: {code}: severity must be a string")
    try:
        return Severity.parse(value)
    except ValueError:
        raise ProfileError(
            f"{where(path, code)}: {code}: unknown severity {value!r} "
            "(expected error, warning, info or off)"
        ) from None


def apply_rule_table(settings: dict[str, RuleSetting], table: object, path: Path | None) -> None:
    """Apply a ``[rules]`` table (from a profile or a config file) onto ``settings``."""
    registry = all_rules()
    if not isinstance(table, dict):
        raise ProfileError(f"{where(path, 'rules')}: 'rules' must be a table")
    for code, value in table.items():
        if code not in registry:
            raise ProfileError(
                f"{where(path, code)}: unknown rule code {code!r}{suggest(code, registry)}"
            )
        rule = registry[code]
        old = settings.get(code, RuleSetting(None, rule.params))
        if isinstance(value, str):
            settings[code] = RuleSetting(_severity_of(path, code, value), old.params)
            continue
        if not isinstance(value, dict):
            raise ProfileError(f"{where(path, code)}: {code} must be a severity or a table")
        params = dict(old.params)
        severity = old.severity if "severity" not in value else None
        # Naming a rule's parameters without a severity turns it on at its default.
        if "severity" in value:
            severity = _severity_of(path, code, value["severity"])
        elif severity is None:
            severity = rule.severity
        for key, param in value.items():
            if key == "severity":
                continue
            _check_param(path, code, key, param, rule)
            params[key] = param
        settings[code] = RuleSetting(severity, MappingProxyType(params))


def _is_path(name: str) -> bool:
    """Whether a profile is named by a file path rather than a built-in name."""
    return name.endswith(".toml") or "/" in name or "\\" in name


def _resolve_file(name: str, relative_to: Path | None) -> Path:
    """A profile name (built-in) or a path to a TOML file."""
    candidates = []
    if _is_path(name):
        base = relative_to.parent if relative_to else Path.cwd()
        candidates.append(Path(name) if Path(name).is_absolute() else base / name)
    else:
        if relative_to is not None:
            candidates.append(relative_to.parent / f"{name}.toml")
        candidates.append(rules_dir() / f"{name}.toml")
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    known = [p[0] for p in list_profiles()]
    raise ProfileError(
        f"profile {name!r} not found{suggest(name, known)}; known: {', '.join(known)}"
    )


@dataclass
class _Loaded:
    """What one profile file and the chain it extends say."""

    settings: dict[str, RuleSetting]
    description: str
    carrier: str | None
    domains: tuple[str, ...]


def _domains(path: Path, value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(d, str) and d.strip() for d in value):
        raise ProfileError(f"{where(path, 'domains')}: 'domains' must be a list of domain patterns")
    return tuple(d.strip().lower() for d in value)


def _load_settings(path: Path, seen: tuple[Path, ...], *, overlay: bool = False) -> _Loaded:
    """Read a profile and the chain it extends.

    With ``overlay``, the chain stops before the built-in default profile: what
    is left is what the profile itself (and its carrier-specific parents) say,
    to be applied on top of another profile.
    """
    if path in seen:
        chain = " -> ".join(str(p) for p in (*seen, path))
        raise ProfileError(f"{path}: profiles extend each other in a loop: {chain}")
    data = _read_toml(path)
    for key in data:
        if key not in PROFILE_KEYS:
            raise ProfileError(
                f"{where(path, key)}: unknown key {key!r}{suggest(key, PROFILE_KEYS)}"
            )
    settings: dict[str, RuleSetting] = {}
    parent = data.get("extends")
    if parent is not None:
        if not isinstance(parent, str):
            raise ProfileError(f"{where(path, 'extends')}: 'extends' must be a profile name")
        parent_path = _resolve_file(parent, path).resolve()
        if not (overlay and parent_path == (rules_dir() / DEFAULT_PROFILE).resolve()):
            settings = _load_settings(parent_path, (*seen, path), overlay=overlay).settings
    apply_rule_table(settings, data.get("rules", {}), path)
    carrier = data.get("carrier")
    if carrier is not None and not isinstance(carrier, str):
        raise ProfileError(f"{where(path, 'carrier')}: 'carrier' must be a name")
    domains = _domains(path, data["domains"]) if "domains" in data else ()
    return _Loaded(settings, str(data.get("description", "")), carrier, domains)


def _full(settings: Mapping[str, RuleSetting]) -> MappingProxyType:
    """A setting for every registered rule: those not named are off."""
    return MappingProxyType(
        {
            code: settings.get(code, RuleSetting(None, MappingProxyType(dict(rule.params))))
            for code, rule in all_rules().items()
        }
    )


def load_profile(name: str = "default") -> Profile:
    """Load a built-in profile by name, or a user's profile by path.

    A built-in profile is read once per process: ``lint_bytes(data)`` with no
    profile loads the default one on every call, and parsing its TOML cost as
    much as linting a short message.  The files ship with the package and do
    not change under a running process; a user's file is read every time, so
    that an edit to it takes effect.
    """
    if not _is_path(name):
        return _builtin_profile(name, len(all_rules()))
    return _read_profile(_resolve_file(name, None))


@lru_cache(maxsize=64)
def _builtin_profile(name: str, rule_count: int) -> Profile:
    """A built-in profile, cached (``rule_count``: a newly registered rule is a new key)."""
    return _read_profile(_resolve_file(name, None))


def _read_profile(path: Path) -> Profile:
    loaded = _load_settings(path.resolve(), ())
    return Profile(
        path.stem, loaded.description, path, _full(loaded.settings), loaded.carrier, loaded.domains
    )


def load_overlay(name: str) -> Profile:
    """A profile as an overlay: only the rules its own chain (below default) sets.

    Carrier profiles apply this way on top of the user's profile, "for the
    rules that concern that carrier", leaving every other rule as the user set it.
    """
    path = _resolve_file(name, None)
    loaded = _load_settings(path.resolve(), (), overlay=True)
    return Profile(
        path.stem,
        loaded.description,
        path,
        MappingProxyType(loaded.settings),
        loaded.carrier,
        loaded.domains,
    )


def with_overrides(profile: Profile, table: Mapping[str, object], path: Path | None) -> Profile:
    """A new profile: ``profile`` with a config file's ``[rules]`` table on top."""
    settings = dict(profile.settings)
    apply_rule_table(settings, dict(table), path)
    return replace(profile, settings=MappingProxyType(settings))


def expand_codes(tokens: Iterable[str], *, option: str) -> set[str]:
    """Turn codes and prefixes (``LN``, ``HD01``, ``AD002``) into rule codes.

    A token that matches no rule is an error: an ``--ignore`` with a typo would
    otherwise ignore nothing, silently.
    """
    registry = all_rules()
    codes: set[str] = set()
    for token in tokens:
        token = token.strip().upper()
        if not token:
            continue
        matched = {code for code in registry if code.startswith(token)}
        if not matched:
            raise ProfileError(
                f"{option}: unknown rule code or prefix {token!r}{suggest(token, registry)}"
            )
        codes |= matched
    return codes


def narrow(profile: Profile, *, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> Profile:
    """Apply ``--select`` and ``--ignore``.

    ``select`` keeps only the rules it names; a rule the profile turned off runs
    when named by its exact code (at its default severity), not by a prefix.
    ``ignore`` turns rules off and wins over ``select``.
    """
    select = [s.strip().upper() for s in select if s.strip()]
    selected = expand_codes(select, option="--select") if select else None
    ignored = expand_codes(ignore, option="--ignore")
    registry = all_rules()
    settings: dict[str, RuleSetting] = {}
    for code, setting in profile.settings.items():
        severity = setting.severity
        if selected is not None:
            if code not in selected:
                severity = None
            elif severity is None and code in select:
                severity = registry[code].severity
        if code in ignored:
            severity = None
        settings[code] = RuleSetting(severity, setting.params)
    excluded = set(ignored) | (set(registry) - selected if selected is not None else set())
    return replace(
        profile,
        settings=MappingProxyType(settings),
        excluded=profile.excluded | frozenset(excluded),
    )

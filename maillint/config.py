"""User configuration: ``.maillint.toml`` or ``[tool.maillint]`` in ``pyproject.toml``.

Found by walking up from the current directory, like ruff and yamllint do, so
that a project's settings apply wherever in it maillint is run.  Keys:
``profile``, ``select``, ``ignore``, ``fail-on``, ``line-endings`` and a
``[rules]`` table with the same form as a profile's.  Command-line options win.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from maillint.profiles import CONFIG_KEYS, ProfileError, suggest, where

FAIL_ON = ("error", "warning", "info")
LINE_ENDINGS = ("auto", "wire", "stored")


@dataclass(frozen=True)
class Config:
    """Settings read from a configuration file (all optional)."""

    path: Path | None = None
    profile: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fail_on: str | None = None
    line_endings: str | None = None
    include: tuple[str, ...] = ()
    rules: dict = field(default_factory=dict)


def find_config(start: Path | None = None) -> Path | None:
    """The nearest ``.maillint.toml``, or ``pyproject.toml`` with ``[tool.maillint]``."""
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        candidate = folder / ".maillint.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and b"[tool.maillint" in pyproject.read_bytes():
            return pyproject
    return None


def _string_list(path: Path, key: str, value: object, what: str = "rule codes") -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(v for v in value.replace(" ", "").split(",") if v)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProfileError(f"{where(path, key)}: {key!r} must be a list of {what}")


def _choice(path: Path, key: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ProfileError(f"{where(path, key)}: {key!r} must be one of {', '.join(choices)}")
    return str(value)


def load_config(path: Path | None) -> Config:
    """Read and validate a configuration file (``None`` gives the empty Config)."""
    if path is None:
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ProfileError(f"{path}: cannot read configuration: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("maillint", {})
    for key in data:
        if key not in CONFIG_KEYS:
            raise ProfileError(
                f"{where(path, key)}: unknown key {key!r}{suggest(key, CONFIG_KEYS)}"
            )
    profile = data.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise ProfileError(f"{where(path, 'profile')}: 'profile' must be a name or a path")
    if profile is not None and (profile.endswith(".toml") or "/" in profile):
        profile = str((path.parent / profile).resolve())  # relative to the config file
    return Config(
        path=path,
        profile=profile,
        select=_string_list(path, "select", data.get("select", [])),
        ignore=_string_list(path, "ignore", data.get("ignore", [])),
        fail_on=_choice(path, "fail-on", data["fail-on"], FAIL_ON) if "fail-on" in data else None,
        line_endings=(
            _choice(path, "line-endings", data["line-endings"], LINE_ENDINGS)
            if "line-endings" in data
            else None
        ),
        include=_string_list(path, "include", data.get("include", []), "file name globs"),
        rules=dict(data.get("rules", {})),
    )

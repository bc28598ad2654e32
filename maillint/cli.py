"""The ``maillint`` command (click).

The CLI holds no lint or format logic: it reads options and configuration,
calls ``runner.run`` and a renderer from ``report.FORMATS``, and turns the
result into an exit status: 0 clean, 1 a finding reached ``--fail-on``,
2 usage or I/O errors.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from maillint import __version__
from maillint.carriers import lookup
from maillint.config import FAIL_ON, LINE_ENDINGS, Config, find_config, load_config
from maillint.explain import explain, find_rule, rules_table
from maillint.findings import Severity
from maillint.profiles import ProfileError, list_profiles
from maillint.registry import all_rules
from maillint.report import FORMATS, RenderOptions
from maillint.runner import LintOptions, default_jobs, run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    """``--select LN,HD001 --select AD`` as one tuple of tokens."""
    return tuple(t.strip() for v in values for t in v.split(",") if t.strip())


def use_color(choice: str, stream) -> bool:
    """Colour or not: ``--color`` wins; in ``auto``, NO_COLOR, then FORCE_COLOR, then a TTY."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    return stream.isatty()


def _fail(message: str) -> None:
    click.echo(f"maillint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _load_config(config_path: str | None, isolated: bool) -> Config:
    if isolated:
        return Config()
    path = Path(config_path) if config_path else find_config()
    return load_config(path)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maillint")
def main() -> None:
    """maillint: lint raw Internet mail messages (RFC 5322, MIME, receivers' limits)."""


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to FILE instead of standard output.",
)
@click.option("--profile", help="Profile name (see `maillint profiles`) or path to a TOML file.")
@click.option(
    "--select", multiple=True, help="Only these rule codes or prefixes (comma-separated)."
)
@click.option(
    "--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated)."
)
@click.option(
    "--fail-on",
    type=click.Choice(FAIL_ON),
    help="Lowest severity that makes the exit status 1 [default: error].",
)
@click.option(
    "--line-endings",
    type=click.Choice(LINE_ENDINGS),
    help="auto: an LF-only file is in stored (Unix) form; wire: every bare LF is an "
    "error; stored: LF line ends are expected [default: auto].",
)
@click.option("--statistics", is_flag=True, help="Count findings per rule after the report.")
@click.option("-q", "--quiet", is_flag=True, help="No summary line; findings only.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings reach --fail-on.")
@click.option("--stdin-filename", default="-", help="Name to report for standard input.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: all cores].",
)
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour the text output (honours NO_COLOR, FORCE_COLOR).",
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    help="Configuration file [default: nearest .maillint.toml or pyproject.toml].",
)
@click.option("--isolated", is_flag=True, help="Ignore configuration files.")
@click.option(
    "--carrier",
    default="auto",
    show_default=True,
    help="Carrier profiles: auto (chosen by the recipients' domains), none, or a profile NAME.",
)
def check(
    paths,
    fmt,
    output,
    profile,
    select,
    ignore,
    fail_on,
    line_endings,
    statistics,
    quiet,
    exit_zero,
    stdin_filename,
    jobs,
    color,
    config_path,
    isolated,
    carrier,
) -> None:
    """Lint messages: .eml files, folders, Maildirs, mboxes, or - for standard input."""
    try:
        config = _load_config(config_path, isolated)
        options = LintOptions(
            profile=profile or config.profile,
            select=_codes(select) or config.select,
            ignore=_codes(ignore) + config.ignore,
            overrides=tuple(config.rules.items()),
            overrides_path=str(config.path) if config.path else None,
            line_endings=line_endings or config.line_endings or "auto",
            carrier=carrier,
        )
        results = run(paths, options, jobs=jobs or default_jobs(), stdin_filename=stdin_filename)
    except ProfileError as exc:
        _fail(str(exc))
        return
    threshold = Severity.parse(fail_on or config.fail_on or "error")
    stream = sys.stdout
    render_options = RenderOptions(
        color=output is None and use_color(color, stream),
        statistics=statistics,
        quiet=quiet,
        fail_on=threshold,
    )
    text = FORMATS[fmt](results, render_options)
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            _fail(f"{output}: cannot write: {exc.strerror or exc}")
    else:
        click.echo(text, nl=False, color=render_options.color)  # click strips ANSI otherwise
    for error in results.errors:
        click.echo(f"maillint: error: {error.path}: {error.message}", err=True)
    if results.errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if results.fails(threshold) and not exit_zero else EXIT_CLEAN)


@main.command("rules")
@click.option("--markdown", is_flag=True, help="As the Markdown table the README carries.")
def rules_command(markdown: bool) -> None:
    """List every rule: code, default severity, name and summary."""
    if markdown:
        click.echo(rules_table(), nl=False)
        return
    for rule in all_rules().values():
        click.echo(f"{rule.code}  {str(rule.severity):<7}  {rule.name:<34}  {rule.summary}")


@main.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print a rule's documentation (by code, e.g. LN001, or name, e.g. line-too-long)."""
    rule = find_rule(code)
    if rule is None:
        _fail(f"unknown rule {code!r}; `maillint rules` lists them")
        return
    click.echo(explain(rule), nl=False)


@main.command("profiles")
def profiles_command() -> None:
    """List the built-in profiles with their descriptions."""
    try:
        for name, description, _path in list_profiles():
            click.echo(f"{name:<20}  {description}")
    except ProfileError as exc:
        _fail(str(exc))


@main.command("carrier")
@click.argument("addresses", nargs=-1, required=True)
def carrier_command(addresses: tuple[str, ...]) -> None:
    """Print the carrier and profile that each address's domain selects."""
    for address in addresses:
        match = lookup(address)
        found = f"{match.carrier} (profile {match.profile})" if match else "no carrier profile"
        click.echo(f"{address}: {found}")

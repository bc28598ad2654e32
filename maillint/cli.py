"""The ``maillint`` command (click).

The CLI holds no lint or format logic: it reads options and configuration,
calls ``runner.run`` and a renderer from ``report.FORMATS``, and turns the
result into an exit status: 0 clean, 1 a finding reached ``--fail-on``,
2 usage or I/O errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from maillint import __version__
from maillint.carriers import lookup
from maillint.config import FAIL_ON, LINE_ENDINGS, Config, find_config, load_config
from maillint.explain import explain, find_rule, rules_table
from maillint.findings import Severity
from maillint.profiles import ProfileError, list_profiles
from maillint.progress import ProgressBar
from maillint.registry import all_rules
from maillint.report import FORMATS, NEEDS_SOURCE, RenderOptions
from maillint.runner import LintOptions, Results, default_jobs, run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])  # a command function, as click types its decorators


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


def _show_progress(choice: bool | None, fmt: str, output: str | None) -> bool:
    """``--progress`` wins; by default only on a terminal, never into a pipe or machine output.

    Standard error must be a terminal, and the report must go either to a file
    named by ``-o`` or, as text, to the terminal: a report piped or redirected
    elsewhere, or JSON (SARIF, ...) on standard output, means a program reads it.
    """
    if choice is not None:
        return choice
    if not sys.stderr.isatty():
        return False
    return output is not None or (fmt == "text" and sys.stdout.isatty())


def _echo_error(message: str) -> None:
    """One error on standard error, prefixed as every command prefixes them."""
    click.echo(f"maillint: error: {message}", err=True)


def _fail(message: str) -> None:
    """Report a usage or I/O error and end the run with status 2."""
    _echo_error(message)
    sys.exit(EXIT_ERROR)


def _exit(error: bool, fails: bool) -> NoReturn:
    """Exit 2 on an error, else 1 when a finding reached --fail-on, else 0.

    An error outranks findings: a message that could not be read (or written)
    was not judged, so neither 0 nor 1 would speak for the whole run.
    """
    sys.exit(EXIT_ERROR if error else EXIT_FINDINGS if fails else EXIT_CLEAN)


def _exit_with(results: Results, threshold: Severity, exit_zero: bool = False) -> NoReturn:
    """Name each input that could not be linted, then exit as ``_exit`` says."""
    for error in results.errors:
        _echo_error(f"{error.path}: {error.message}")
    _exit(bool(results.errors), results.fails(threshold) and not exit_zero)


def _write_report(path: str, text: str) -> None:
    """Write a report file; one that cannot be written ends the run with status 2."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror or exc}")


def _load_config(config_path: str | None, isolated: bool) -> Config:
    if isolated:
        return Config()
    path = Path(config_path) if config_path else find_config()
    return load_config(path)


def _over_config(
    config: Config,
    profile: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    **settings: Any,
) -> LintOptions:
    """The command line's rule selection over the configuration file's.

    --profile and --select replace the file's, --ignore adds to it, and the
    file's per-rule settings always apply: `check`, `serve`, `mailpit` and
    `fix` must agree on that, so it is said once.
    """
    return LintOptions(
        profile=profile or config.profile,
        select=_codes(select) or config.select,
        ignore=_codes(ignore) + config.ignore,
        overrides=tuple(config.rules.items()),
        overrides_path=str(config.path) if config.path else None,
        **settings,
    )


def _threshold(fail_on: str | None, config: Config) -> Severity:
    """The severity that fails the run: --fail-on, else the configuration file's, else error."""
    return Severity.parse(fail_on or config.fail_on or "error")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="maillint")
def main() -> None:
    """maillint: lint raw Internet mail messages (RFC 5322, MIME, receivers' limits)."""


def _output_formats(ctx, param, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """``--output-format sarif:report.sarif`` (repeatable) as (format, path) pairs."""
    pairs = []
    for value in values:
        name, colon, path = value.partition(":")
        if not colon or not path:
            raise click.BadParameter(f"{value!r}: expected FORMAT:PATH, e.g. sarif:report.sarif")
        if name not in FORMATS:
            known = ", ".join(sorted(FORMATS))
            raise click.BadParameter(f"unknown format {name!r} in {value!r} (known: {known})")
        pairs.append((name, path))
    return tuple(pairs)


# ---------------------------------------------------------------- options more commands take
# Each defined once, so that `--help` says the same of an option in every command.


def _options(*decorators: Callable[[F], F]) -> Callable[[F], F]:
    """Several click options as one decorator; `--help` lists them in the order given."""

    def apply(function: F) -> F:
        for decorator in reversed(decorators):
            function = decorator(function)
        return function

    return apply


def _format_option(function: F) -> F:
    """--format: the report's format, for `check` and `mailpit`."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(sorted(FORMATS)),
        default="text",
        show_default=True,
        help="Output format.",
    )(function)


def _fail_on_option(
    help_text: str = "Lowest severity that makes the exit status 1 [default: error].",
) -> Callable[[F], F]:
    """--fail-on; `fix` words it for what its repairs leave."""
    return click.option("--fail-on", type=click.Choice(FAIL_ON), help=help_text)


def _line_endings_option(help_text: str) -> Callable[[F], F]:
    """--line-endings: `check` reads by it and `fix` writes by it, so each words it."""
    return click.option("--line-endings", type=click.Choice(LINE_ENDINGS), help=help_text)


def _carrier_option(function: F) -> F:
    """--carrier, for `check` and `fix`."""
    return click.option(
        "--carrier",
        default="auto",
        show_default=True,
        help="Carrier profiles: auto (chosen by the recipients' domains), none, or a profile NAME.",
    )(function)


def _include_option(function: F) -> F:
    """--include, for `check` and `fix`: other file names to take inside folders."""
    return click.option(
        "--include",
        "include",
        multiple=True,
        metavar="GLOB",
        help="Also take files in folders whose name matches GLOB, e.g. '*.txt' (repeatable; "
        "adds to the configuration file's 'include').",
    )(function)


def _config_options(function: F) -> F:
    """--config and --isolated: every command that lints reads the configuration file."""
    return _options(
        click.option(
            "--config",
            "config_path",
            type=click.Path(dir_okay=False),
            help="Configuration file [default: nearest .maillint.toml or pyproject.toml].",
        ),
        click.option("--isolated", is_flag=True, help="Ignore configuration files."),
    )(function)


def _lint_options(function: F) -> F:
    """--profile, --select, --ignore, --config, --isolated, as `check` has them."""
    return _options(
        click.option("--profile", help="Profile name or path to a TOML file."),
        click.option("--select", multiple=True, help="Only these rule codes or prefixes."),
        click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes."),
        _config_options,
    )(function)


@main.command()
@click.argument("paths", nargs=-1, required=True)
@_format_option
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--output-format",
    "output_formats",
    multiple=True,
    metavar="FORMAT:PATH",
    callback=_output_formats,
    help="Also write the report in FORMAT to PATH (repeatable), e.g. sarif:maillint.sarif.",
)
@click.option("--profile", help="Profile name (see `maillint profiles`) or path to a TOML file.")
@click.option(
    "--select", multiple=True, help="Only these rule codes or prefixes (comma-separated)."
)
@click.option(
    "--ignore", multiple=True, help="Skip these rule codes or prefixes (comma-separated)."
)
@_fail_on_option()
@_line_endings_option(
    "auto: an LF-only file is in stored (Unix) form; wire: every bare LF is an "
    "error; stored: LF line ends are expected [default: auto]."
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
@_config_options
@_carrier_option
@click.option(
    "--mbox-quoting",
    type=click.Choice(["mboxrd", "mboxo", "none"]),
    default="mboxrd",
    show_default=True,
    help="How an mbox quotes body lines starting 'From ': mboxrd (>+From loses one >), "
    "mboxo (only >From is unquoted), none (lint as stored).",
)
@_include_option
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bar on standard error [default: on a terminal, when the report "
    "goes to the terminal as text or to a file named by -o].",
)
def check(
    paths,
    fmt,
    output,
    output_formats,
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
    mbox_quoting,
    include,
    progress,
) -> None:
    """Lint messages: .eml files, folders, Maildirs, mboxes (also .gz), or - for standard input."""
    try:
        config = _load_config(config_path, isolated)
        options = _over_config(
            config,
            profile,
            select,
            ignore,
            line_endings=line_endings or config.line_endings or "auto",
            carrier=carrier,
            keep_source=bool(NEEDS_SOURCE & {fmt, *(name for name, _ in output_formats)}),
            mbox_quoting=mbox_quoting,
            include=config.include + tuple(include),
        )
        bar = ProgressBar(sys.stderr) if _show_progress(progress, fmt, output) else None
        try:
            results = run(
                paths,
                options,
                jobs=jobs or default_jobs(),
                stdin_filename=stdin_filename,
                progress=bar,
            )
        finally:
            if bar is not None:
                bar.close()
    except ProfileError as exc:
        _fail(str(exc))
        return
    threshold = _threshold(fail_on, config)
    stream = sys.stdout
    render_options = RenderOptions(
        color=output is None and use_color(color, stream),
        statistics=statistics,
        quiet=quiet,
        fail_on=threshold,
    )
    text = FORMATS[fmt](results, render_options)
    if output:
        _write_report(output, text)
    else:
        click.echo(text, nl=False, color=render_options.color)  # click strips ANSI otherwise
    extra_options = RenderOptions(statistics=statistics, quiet=quiet, fail_on=threshold)
    for name, path in output_formats:
        _write_report(path, FORMATS[name](results, extra_options))
    _note_empty_folders(paths, results)
    _exit_with(results, threshold, exit_zero)


def _note_empty_folders(paths: tuple[str, ...], results: Results) -> None:
    """Say so when folders were given and no message was found in them.

    A folder of ``*.txt`` messages otherwise gives "0 messages" and exit 0,
    which reads as "all clean"; the note says which names a folder walk
    takes and how to add others.
    """
    if results.reports or results.errors:
        return
    folders = [path for path in paths if path != "-" and os.path.isdir(path)]
    if folders:
        click.echo(
            f"maillint: note: no message files found in {', '.join(folders)}: folders are "
            "searched for *.eml, *.mbox, *.mbx, *.mail (also .gz), files without a suffix "
            "and Maildir messages; --include GLOB adds other names (e.g. '*.txt')",
            err=True,
        )


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


# ---------------------------------------------------------------- serve and mailpit
# Their modules are imported when the command runs: `maillint check` never
# loads aiosmtpd or http.server.


def _serve_profile(profile, select, ignore, config_path, isolated):
    """The resolved profile for serve and mailpit: options over the configuration file."""
    config = _load_config(config_path, isolated)
    return _over_config(config, profile, select, ignore).build_profile(), config


@main.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but loopback needs --auth (or --allow-open).",
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=2525,
    show_default=True,
    help="Port to listen on (0: a free port, printed at start).",
)
@click.option(
    "--store",
    type=click.Path(file_okay=False, path_type=Path),
    help="Sink: keep each accepted message in DIR (.eml, .json report, index.html).",
)
@click.option("--relay", metavar="HOST:PORT", help="Proxy: forward accepted messages upstream.")
@click.option("--relay-tls", is_flag=True, help="Require STARTTLS with the relay.")
@click.option(
    "--relay-auth",
    metavar="USER:PASS",
    envvar="MAILLINT_RELAY_AUTH",
    help="Log in to the relay [env: MAILLINT_RELAY_AUTH].",
)
@click.option(
    "--relay-cafile",
    type=click.Path(dir_okay=False, exists=True),
    help="Trust this CA certificate (PEM) for the relay.",
)
@click.option(
    "--reject-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    default="error",
    show_default=True,
    help="Lowest severity that makes the server refuse a message (550 5.6.0).",
)
@click.option(
    "--auth",
    multiple=True,
    metavar="USER:PASS",
    help="Require AUTH (PLAIN, LOGIN, CRAM-MD5) with these credentials; repeatable.",
)
@click.option(
    "--auth-file",
    type=click.Path(dir_okay=False, exists=True),
    help="Require AUTH with the user:password lines of FILE (keeps passwords out of ps).",
)
@click.option("--allow-open", is_flag=True, help="Allow a non-loopback --host without --auth.")
@click.option(
    "--tls-cert", type=click.Path(dir_okay=False, exists=True), help="PEM certificate for STARTTLS."
)
@click.option("--tls-key", type=click.Path(dir_okay=False, exists=True), help="PEM key for it.")
@click.option(
    "--max-size",
    type=click.IntRange(min=1000),
    default=33554432,
    show_default=True,
    help="Largest message accepted, in octets (the SIZE advertised; also the longest line).",
)
@_lint_options
def serve_command(
    host,
    port,
    store,
    relay,
    relay_tls,
    relay_auth,
    relay_cafile,
    reject_on,
    auth,
    auth_file,
    allow_open,
    tls_cert,
    tls_key,
    max_size,
    profile,
    select,
    ignore,
    config_path,
    isolated,
) -> None:
    """Run a local SMTP server that lints every message it receives.

    A message that fails is refused with a multi-line 550 listing the findings;
    the others are stored (--store) or relayed (--relay).
    """
    from maillint.smtp import server

    try:
        lint_profile, _config = _serve_profile(profile, select, ignore, config_path, isolated)
        users = dict(server.parse_credentials(item) for item in auth)
        if auth_file:
            users.update(server.read_auth_file(auth_file))
        settings = server.ServeConfig(
            host=host,
            port=port,
            store=store,
            relay=server.parse_hostport(relay) if relay else None,
            relay_tls=relay_tls,
            relay_auth=(
                server.parse_credentials(relay_auth, what="--relay-auth") if relay_auth else None
            ),
            relay_cafile=relay_cafile,
            reject_on=None if reject_on == "never" else Severity.parse(reject_on),
            users=users,
            allow_open=allow_open,
            tls_cert=tls_cert,
            tls_key=tls_key,
            max_size=max_size,
        )
        settings.validate()
        server.run(settings, lint_profile, echo=click.echo)
    except (ProfileError, server.ServeError) as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@main.command("mailpit")
@click.argument("ids", nargs=-1)
@click.option(
    "--url",
    default="http://127.0.0.1:8025",
    show_default=True,
    envvar="MAILLINT_MAILPIT_URL",
    help="Mailpit's web and API address [env: MAILLINT_MAILPIT_URL].",
)
@click.option(
    "--listen",
    metavar="HOST:PORT",
    default="127.0.0.1:8026",
    show_default=True,
    help="Where to receive Mailpit's webhook, when no ID is given.",
)
@click.option(
    "--auth",
    metavar="USER:PASS",
    envvar="MAILLINT_MAILPIT_AUTH",
    help="HTTP basic auth for Mailpit's API [env: MAILLINT_MAILPIT_AUTH].",
)
@_format_option
@_fail_on_option()
@_lint_options
def mailpit_command(
    ids, url, listen, auth, fmt, fail_on, profile, select, ignore, config_path, isolated
) -> None:
    """Lint messages caught by Mailpit: the IDs given, or each one its webhook announces.

    Point Mailpit's --webhook-url (MP_WEBHOOK_URL) at http://HOST:PORT/ of --listen.
    """
    from maillint import mailpit
    from maillint.smtp.server import parse_credentials, parse_hostport

    try:
        lint_profile, config = _serve_profile(profile, select, ignore, config_path, isolated)
        credentials = parse_credentials(auth, what="--auth") if auth else None
        address = parse_hostport(listen, default_port=8026, any_port=True)
    except (ProfileError, ValueError) as exc:
        _fail(str(exc))
        return
    threshold = _threshold(fail_on, config)
    options = RenderOptions(fail_on=threshold)
    keep_source = fmt in NEEDS_SOURCE
    if ids:
        results = mailpit.lint_ids(
            url, ids, lint_profile, auth=credentials, keep_source=keep_source
        )
        click.echo(FORMATS[fmt](results, options), nl=False)
        _exit_with(results, threshold)

    def on_report(report) -> None:
        click.echo(FORMATS[fmt](Results(lint_profile.name, [report]), options), nl=False)

    try:
        webhook = mailpit.WebhookServer(
            address,
            base_url=url,
            profile=lint_profile,
            on_report=on_report,
            on_error=_echo_error,
            auth=credentials,
            fail_on=threshold,
            keep_source=keep_source,
        )
    except OSError as exc:
        _fail(f"cannot listen on {listen}: {exc.strerror or exc}")
        return
    host, port = webhook.server_address[:2]
    click.echo(
        f"maillint mailpit: listening on http://{host}:{port}/ for Mailpit's webhook; "
        f"fetching from {url}"
    )
    try:
        webhook.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        webhook.server_close()


# ---------------------------------------------------------------- fix
# The repairs live in maillint.fix; this command only reads, writes and reports.


@main.command("fix")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    metavar="FILE",
    help="Write the fixed message to FILE (- for standard output) [default: standard output].",
)
@click.option(
    "--in-place",
    is_flag=True,
    help="Replace each file with its fixed version: atomically, permissions kept, "
    "the original untouched on any error.",
)
@click.option(
    "--diff",
    "show_diff",
    is_flag=True,
    help="Print a unified diff of the octets instead of writing (line breaks and "
    "invisible octets spelled out).",
)
@_lint_options
@_fail_on_option(
    "Lowest severity that, left after the repairs, makes the exit status 1 [default: error]."
)
@_line_endings_option(
    "auto: a file keeps its own line ends (LF-only stays LF; mixed: what most lines "
    "have); wire: CRLF; stored: LF [default: auto]."
)
@click.option(
    "--add-missing",
    is_flag=True,
    help="Also add a missing Message-ID (HD012) and Date (HD008), which the sender did not write.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Repair signed content too (DKIM-Signature, multipart/signed), breaking the signature.",
)
@_carrier_option
@_include_option
@click.option("-q", "--quiet", is_flag=True, help="Say nothing on standard error but errors.")
def fix_command(
    paths,
    output,
    in_place,
    show_diff,
    profile,
    select,
    ignore,
    config_path,
    isolated,
    fail_on,
    line_endings,
    add_missing,
    force,
    carrier,
    include,
    quiet,
) -> None:
    """Repair what can be repaired without changing what a message says.

    The fixed message goes to standard output, to -o FILE, or back into each
    file with --in-place; --diff shows the changes instead. A folder is walked
    as `check` walks it (with --in-place or --diff). What was fixed, what
    was not (and why) and what remains are reported on standard error. Exit
    status: 0 when nothing at --fail-on remains, 1 when something does, 2 on
    usage or I/O errors.
    """
    from maillint import fix as fixing
    from maillint.inputs import InputError, expand
    from maillint.runner import write_atomic

    if in_place and (output or show_diff):
        raise click.UsageError("--in-place writes the files: it does not go with -o or --diff")
    if in_place and "-" in paths:
        raise click.UsageError("--in-place needs files, not standard input")
    if len(paths) > 1 and not (in_place or show_diff):
        raise click.UsageError("several files need --in-place or --diff")
    if not (in_place or show_diff) and any(p != "-" and os.path.isdir(p) for p in paths):
        raise click.UsageError("a folder needs --in-place or --diff")
    try:
        lint_profile, config = _serve_profile(profile, select, ignore, config_path, isolated)
    except ProfileError as exc:
        _fail(str(exc))
        return
    threshold = _threshold(fail_on, config)
    options = dict(
        profile=lint_profile,
        line_endings=line_endings or config.line_endings or "auto",
        add_missing=add_missing,
        force=force,
        carrier=carrier,
    )
    reports = []
    failed = False
    for path in expand(list(paths), config.include + tuple(include)):
        if isinstance(path, InputError):
            _echo_error(f"{path.path}: cannot read: {path.message}")
            failed = True
            continue
        try:
            data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
        except OSError as exc:
            _echo_error(f"{path}: cannot read: {exc.strerror or exc}")
            failed = True
            continue
        try:
            fixed, found = fixing.fix_file(data, path=path, **options)
        except (fixing.FixInputError, ProfileError) as exc:
            _echo_error(f"{path}: {exc}")
            failed = True
            continue
        target = path if in_place else output
        try:
            if show_diff:
                click.echo(fixing.render_diff(data, fixed, path=path), nl=False)
            elif in_place:
                if fixed != data:
                    write_atomic(path, fixed)
            elif output and output != "-":
                write_atomic(output, fixed)
            else:
                sys.stdout.buffer.write(fixed)
                sys.stdout.buffer.flush()
        except OSError as exc:
            where = target if target and target != "-" else "standard output"
            _echo_error(f"{where}: cannot write: {exc.strerror or exc}")
            failed = True
            continue
        reports.extend(found)
        if not quiet:
            for report in found:
                for line in fixing.describe(report):
                    click.echo(line, err=True)
    if reports and not quiet:
        click.echo(fixing.summary(reports), err=True)
    _exit(failed, any(r.fails(threshold) for r in reports))

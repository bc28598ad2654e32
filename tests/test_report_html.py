"""The HTML report: through the CLI, then opened in a real headless Chromium.

The browser tests drive Debian's chromium over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: no port, no network), each run with a fresh
profile folder.  They are skipped, saying why, only when no chromium exists
(``.ci/run`` installs it with apt-get).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import time
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import jinja2
import pytest
from click.testing import CliRunner

from maillint.cli import main
from maillint.report import html
from support import HEAD, msg

# --- messages written for these tests ---------------------------------------------------------

# Every byte is attacker-controlled: markup, a script, an end tag for every raw-text
# element, event handlers, javascript: URLs and a right-to-left override, in the
# header fields and in the body.
HOSTILE = (
    b"From: \"</pre><script>document.title='PWNED'</script>\" <evil@example.com>\r\n"
    b"To: victim@example.org\r\n"
    b"Date: Mon, 01 Jan 2024 09:00:00 +0900\r\n"
    b"Message-ID: <1@example.com>\r\n"
    b'Subject: "><img src=x onerror="document.body.dataset.pwned=\'subject\'">'
    b" \xe2\x80\xaegnp.exe <script>document.title='PWNED'</script>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<html><body><script>document.title='PWNED';document.body.dataset.pwned='body'</script>\r\n"
    b"</pre></textarea></script></style>"
    b"<img src=x onerror=\"document.body.dataset.pwned='img'\">\r\n"
    b"<a href=\"javascript:document.body.dataset.pwned='link'\">javascript:alert(1)</a>\r\n"
    b'<meta http-equiv="refresh" content="0;url=javascript:alert(1)">\r\n'
    b"<iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\"></iframe>\r\n"
    b"\xe2\x80\xae override \xe2\x80\x8b {{ 7*7 }} {% raw %} ]]> <!-- -->\r\n"
    b"</body></html>\r\n"
)
HOSTILE_NAME = '"><img src=x onerror=alert(1)>.eml'

JAPANESE = "こんにちは"
_SUBJECT_WORD = base64.b64encode(JAPANESE.encode("iso2022_jp")).decode()
JAPANESE_MESSAGE = msg(
    head=HEAD.replace(b"Subject: hello", f"Subject: =?ISO-2022-JP?B?{_SUBJECT_WORD}?=".encode()),
    extra=b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n",
    body=JAPANESE.encode("iso2022_jp") + b"\r\n",
)

# Octets a person cannot see: LF alone, CR alone, NUL, a tab, an ESC, 8-bit octets
# in the declared charset and in none, trailing blanks, no final line break.
INVISIBLE = msg(
    extra=b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n",
    body=b"lf only\nthen cr only\rnul\x00 here\r\n\ttabbed\r\nesc \x1b[31m red\r\n"
    b"caf\xe9\r\nutf8 caf\xc3\xa9\r\ntrailing   \r\nno final break",
)

MULTIPART = msg(
    extra=b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n",
    body=b"--outer\r\n"
    b"Content-Type: multipart/alternative; boundary=inner\r\n\r\n"
    b"--inner\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\nHi=20there\r\n"
    b"--inner\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hi</p>\r\n"
    b"--inner--\r\n"
    b"--outer\r\nContent-Type: application/pdf; name=a.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n"
    b"--outer--\r\n",
)

LONG = msg(body=b"x" * 1000 + b"\r\n")  # LN001 error 7:999, LN002 warning 7:79
WARN = msg(body=b"w" * 90 + b"\r\n")  # LN002 warning 7:79
CLEAN = msg()


def big_attachment(lines: int, bad_line: int) -> bytes:
    """A message with a base64 part of ``lines`` lines, one of them too long."""
    body_lines = [b"QUJD" * 19] * lines
    body_lines[bad_line] = b"QUJD" * 300  # LN001, TE004 ...
    return msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n",
        body=b"--b\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
        b"--b\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n" + b"\r\n".join(body_lines) + b"\r\n--b--\r\n",
    )


# --- helpers -----------------------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True)
def in_empty_folder(tmp_path, monkeypatch):
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)


def write(folder: Path, messages: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in messages.items():
        (folder / name).write_bytes(data)
    return folder


def report(folder: Path, *args: str) -> str:
    out = folder.parent / (folder.name + ".html")
    result = invoke("check", "--format", "html", "-o", str(out), *args, str(folder))
    assert result.exit_code in (0, 1), result.output
    return out.read_text(encoding="utf-8")


def findings_of(folder: Path) -> list[dict]:
    document = json.loads(invoke("check", "--format", "json", str(folder)).stdout)
    return [f for r in document["results"] for f in r["findings"]]


class Page(HTMLParser):
    """Every tag with its attributes, and the text, of a page."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self._in: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.raw[self._in][-1] += data
        else:
            self.text.append(data)

    def all_text(self) -> str:
        return "".join(self.text)


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def line_div(page: str, anchor: str) -> str:
    match = re.search(rf'<div class="l [^"]*" id="{anchor}" data-n="\d+">.*?</div>', page)
    assert match, anchor
    return match.group(0)


def visible_text(fragment: str) -> str:
    """A fragment's text as shown: tags dropped, entities decoded."""
    parser = Page(fragment)
    return parser.all_text()


# --- the page, read as text ------------------------------------------------------------------


def test_page_is_self_contained_with_a_strict_policy(tmp_path):
    page = report(write(tmp_path / "in", {HOSTILE_NAME: HOSTILE, "long.eml": LONG}))
    parsed = Page(page)
    metas = [a for t, a in parsed.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    policy = dict(
        part.strip().split(" ", 1) for part in metas[0]["content"].split(";") if part.strip()
    )
    assert policy["default-src"] == "'none'"
    assert policy["base-uri"] == policy["form-action"] == "'none'"
    (style,) = parsed.raw["style"]
    data, script = parsed.raw["script"]
    assert policy["style-src"] == sha256_source(style)  # the hash of the exact inline text
    assert policy["script-src"] == sha256_source(script)
    scripts = [a for t, a in parsed.tags if t == "script"]
    assert scripts == [{"type": "application/json", "id": "maillint-data"}, {}]
    for tag, attrs in parsed.tags:
        assert tag not in {"img", "iframe", "link", "object", "embed", "base", "form", "frame"}
        assert "src" not in attrs and "style" not in attrs and "srcdoc" not in attrs
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        if "href" in attrs:
            assert attrs["href"].startswith("#"), attrs  # links only inside the page
    assert "@import" not in style and "url(" not in style
    json.loads(data)


def test_hostile_message_is_shown_as_text_and_only_as_text(tmp_path):
    page = report(write(tmp_path / "in", {HOSTILE_NAME: HOSTILE}))
    parsed = Page(page)
    text = parsed.all_text()
    # the markup arrives as text the reader can see ...
    assert "<script>document.title='PWNED';document.body.dataset.pwned='body'</script>" in text
    assert "</pre></textarea></script></style><img src=x onerror=" in text
    assert "javascript:alert(1)" in text
    assert HOSTILE_NAME in text
    assert "{{ 7*7 }} {% raw %}" in text  # data is never rendered as a template
    # ... and never as markup
    assert "<img" not in page and "<iframe" not in page and '<a href="javascript' not in page
    assert page.count("<script") == 2
    assert "\u202e" not in page and "\u200b" not in page  # never passed through
    assert "U+202E" in text and "U+200B" in text
    # the JSON island cannot be ended by the data it carries
    island = parsed.raw["script"][0]
    assert "<" not in island and ">" not in island
    shown = json.loads(island)["messages"][0]
    assert shown["subject"].startswith('"><img src=x onerror=')
    assert "<U+202E>gnp.exe" in shown["subject"]


def test_environment_autoescapes_and_rejects_undefined_names():
    environment = html._environment()
    assert environment.autoescape is True
    assert environment.undefined is jinja2.StrictUndefined
    template = resources.files("maillint.report").joinpath("templates", "report.html.j2")
    assert "|safe" not in template.read_text().replace(" ", "")
    # a message value through the template's own escaping
    rendered = environment.from_string("<p title='{{ v }}'>{{ v }}</p>").render(v="'\"><b>")
    assert rendered == "<p title='&#39;&#34;&gt;&lt;b&gt;'>&#39;&#34;&gt;&lt;b&gt;</p>"


def test_templates_ship_inside_the_package():
    folder = resources.files("maillint.report").joinpath("templates")
    for name in ("report.html.j2", "report.css", "report.js"):
        assert folder.joinpath(name).is_file(), name


def test_index_is_worst_first_with_decoded_subjects_and_totals(tmp_path):
    folder = write(
        tmp_path / "in",
        {"clean.eml": CLEAN, "warn.eml": WARN, "long.eml": LONG, "jp.eml": JAPANESE_MESSAGE},
    )
    page = report(folder)
    rows = re.findall(r'<tr class="x[^"]*" data-n="\d+">(.*?)</tr>', page, re.S)
    cell = re.compile(r'<td class="path"><a href="#m\d+" [^>]*>(.*?)</a>')
    names = [cell.search(row).group(1) for row in rows]
    assert names[:2] == ["long.eml", "warn.eml"]  # worst first, under their common folder
    assert set(names[2:]) == {"clean.eml", "jp.eml"}
    assert f"Paths under <code>{folder}/</code>" in page
    assert JAPANESE in visible_text(page)  # the ISO-2022-JP subject, decoded
    text = visible_text(page)
    assert "messages4" in text.replace(" ", "").replace("\n", "")
    assert re.search(r"<th><span class=\"sev sev-error\">error</span></th><td>1</td>", page)
    assert re.search(r"<th><span class=\"sev sev-warning\">warning</span></th><td>2</td>", page)
    # the most frequent rules first, each a filter and a link to its documentation
    codes = re.findall(r'<tr><td><a href="#rule-(\w+)">', page)
    assert codes[0] == "LN002"
    assert 'for="code-LN002" class="pick pick-LN002"' in page


def test_every_finding_is_marked_on_its_line_and_column(tmp_path):
    folder = write(
        tmp_path / "in",
        {
            "long.eml": LONG,
            "inv.eml": INVISIBLE,
            "multi.eml": MULTIPART,
            "jp.eml": JAPANESE_MESSAGE,
        },
    )
    page = report(folder)
    numbers = {
        Path(m.group(2)).name: m.group(1)
        for m in re.finditer(
            r'<section class="msg [^"]*" id="m(\d+)">\s*<h3>.*?<span class="path">(.*?)</span>',
            page,
            re.S,
        )
    }
    findings = findings_of(folder)
    assert findings
    for f in findings:
        anchor = f"m{numbers[Path(f['path']).name]}-L{f['line']}"
        line = line_div(page, anchor)
        mark = f'<span class="mk f s-{f["severity"]} c-{f["code"]}"'
        assert mark in line, (f, line)
        before = visible_text(line.split(mark)[0])
        if not re.search(r'class="(ctl|u8|cs|hex|jis|esc|inv)', line):
            # the mark sits after exactly column-1 octets of the line
            assert len(before) == f["column"] - 1, (f, before)
        # and the annotation follows the line, with a link to the rule's explanation
        after = page[page.index(line) + len(line) :]
        annotation = re.match(r'\s*((<div class="fa [^"]*">.*?</div>\s*)+)', after, re.S).group(1)
        assert f'<a href="#rule-{f["code"]}">{f["code"]}</a>' in annotation
        assert f'id="rule-{f["code"]}"' in page


def test_invisible_octets_are_made_visible_and_long_lines_kept(tmp_path):
    page = report(write(tmp_path / "in", {"inv.eml": INVISIBLE, "long.eml": LONG}))
    assert '<div class="l e-lf hit"' in page  # LF alone (an error in the wire form)
    assert '<div class="l e-cr hit"' in page
    assert '<div class="l e-none hit"' in page
    assert '<div class="l e-crlf"' in page
    assert '<span class="ctl" title="0x00 NUL">NUL</span>' in page
    assert '<span class="ctl" title="0x1B ESC">ESC</span>[31m red' in page
    assert '<span class="tab" title="tab">\t</span>tabbed' in page  # the tab itself, kept
    assert '<span class="cs" title="8-bit text decoded as iso-8859-1">é</span>' in page
    # UTF-8 octets in a part that says ISO-8859-1: shown as its receiver shows them
    assert '<span class="cs" title="8-bit text decoded as iso-8859-1">Ã©</span>' in page
    assert '<span class="ws" title="trailing white space">   </span>' in page
    assert "x" * 998 in visible_text(page)  # the long line whole: wrapped by CSS, not cut


def test_8bit_text_is_decoded_as_declared_or_as_utf_8(tmp_path):
    utf8 = msg(extra="X-Note: café\r\n".encode())  # 8-bit in a header: no charset applies
    sjis = msg(
        extra=b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=Shift_JIS\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n",
        body="本文".encode("shift_jis") + b"\xf9\x87 \x81!\r\n",  # a docomo emoji, a bad pair
    )
    page = report(write(tmp_path / "in", {"utf8.eml": utf8, "sjis.eml": sjis}))
    assert '<span class="u8" title="8-bit text (UTF-8)">é</span>' in page
    # the part's charset, then its usual superset (cp932 has the carriers' emoji area)
    superset = "8-bit text decoded as cp932, the usual superset of shift_jis"
    assert f'<span class="cs" title="{superset}">本文</span>' in page
    emoji = "U+E6E2 private-use character (a carrier&#39;s emoji?)"
    assert f'<span class="inv" title="{emoji}">U+E6E2</span>' in page
    where = "valid in neither shift_jis nor UTF-8"
    assert f'<span class="hex" title="1 8-bit octets, {where}">\\x81</span>!' in page


def test_octets_valid_in_no_charset_are_shown_as_hex(tmp_path):
    data = msg(extra=b"Content-Type: text/plain; charset=utf-8\r\n", body=b"bad \xff\xfe end\r\n")
    page = report(write(tmp_path / "in", {"bad.eml": data}))
    assert '<span class="hex" title="2 8-bit octets, not valid UTF-8">\\xff\\xfe</span>' in page


def test_iso_2022_jp_escapes_are_visible_and_the_text_decoded(tmp_path):
    page = report(write(tmp_path / "in", {"jp.eml": JAPANESE_MESSAGE}))
    assert '<span class="esc" title="ESC $ B: ISO-2022 designation">ESC$B</span>' in page
    assert f'<span class="jis" title="ISO-2022-JP text: 10 octets">{JAPANESE}</span>' in page
    assert '<span class="esc" title="ESC ( B: ISO-2022 designation">ESC(B</span>' in page


def test_mime_tree_lists_paths_types_charsets_and_encodings(tmp_path):
    page = report(write(tmp_path / "in", {"multi.eml": MULTIPART}))
    tree = re.search(r'<ul class="tree">(.*?)</ul>', page, re.S).group(1)
    items = [" ".join(visible_text(li).split()) for li in re.findall(r"<li.*?</li>", tree, re.S)]
    assert items[0].startswith("(message) multipart/mixed")
    assert items[1].startswith("1 multipart/alternative")
    assert items[2].startswith("1.1 text/plain charset=utf-8 quoted-printable")
    assert items[3].startswith("1.2 text/html charset=utf-8 7bit")
    assert items[4].startswith("2 application/pdf base64")
    assert '<li class="d2">' in tree  # nesting shown by depth


def test_rules_section_explains_every_rule_that_occurred(tmp_path):
    folder = write(tmp_path / "in", {"long.eml": LONG, "inv.eml": INVISIBLE})
    page = report(folder)
    codes = {f["code"] for f in findings_of(folder)}
    documented = set(re.findall(r'<section class="rule" id="rule-(\w+)">', page))
    assert documented == codes
    from maillint.registry import all_rules

    rule = all_rules()["LN001"]
    section = re.search(r'<section class="rule" id="rule-LN001">.*?</section>', page, re.S).group(0)
    assert rule.summary in section and "What it does" in section
    assert "x" * 70 in section  # the good example


def test_huge_part_is_capped_with_a_marker_counting_the_lines_left_out(tmp_path):
    data = big_attachment(20_000, bad_line=12_345)
    page = report(write(tmp_path / "in", {"big.eml": data}))
    shown = page.count('<div class="l ')
    assert shown < 200
    gaps = re.findall(
        r'<div class="gap">⋯ ([\d,]+) lines not shown \(lines ([\d,]+)–([\d,]+)\)', page
    )
    assert gaps
    left_out = sum(int(n.replace(",", "")) for n, _, _ in gaps)
    total = data.count(b"\n")
    assert shown + left_out == total
    for count, first, last in gaps:
        first_n, last_n = int(first.replace(",", "")), int(last.replace(",", ""))
        assert last_n - first_n + 1 == int(count.replace(",", ""))
    assert "in part 2: application/octet-stream, base64" in page
    # the finding in the middle is still shown, with its line
    bad = 12_345 + data[: data.index(b"QUJD")].count(b"\n") + 1
    assert f'id="m1-L{bad}"' in page
    assert f"<summary>Source: {shown} of {total:,} lines shown</summary>" in page


def test_a_huge_line_is_cut_with_a_marker(tmp_path):
    data = msg(body=b"y" * 200_000 + b"\r\n")
    page = report(write(tmp_path / "in", {"wide.eml": data}))
    assert f"… {200_000 - html.MAX_LINE_OCTETS:,} more octets not shown" in page
    assert len(page) < 200_000


def test_page_budget_trims_the_least_bad_messages_and_leaves_out_clean_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(html, "PAGE_LINE_BUDGET", 30)
    messages = {f"long{n}.eml": LONG for n in range(2)}
    messages.update({f"warn{n}.eml": WARN for n in range(3)})
    messages.update({f"clean{n}.eml": CLEAN for n in range(3)})
    page = report(write(tmp_path / "in", messages))
    assert "messages show only the lines around their findings" in page
    assert page.count("Clean message; its source is left out of this large report.") == 3
    findings = findings_of(tmp_path / "in")
    assert page.count('<div class="fa f s-') == len(findings)  # every finding still marked


def test_html_goes_to_standard_output_without_an_output_file(tmp_path):
    write(tmp_path / "in", {"long.eml": LONG})
    result = invoke("check", "--format", "html", str(tmp_path / "in"))
    assert result.exit_code == 1
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.endswith("</html>\n")


def test_mbox_messages_number_their_lines_as_in_the_file(tmp_path):
    one = LONG.replace(b"\r\n", b"\n")
    mbox = b"From a@example.com Mon Jan  1 00:00:00 2024\n" + one + b"\n"
    mbox += b"From b@example.com Mon Jan  1 00:00:00 2024\n" + one
    folder = write(tmp_path / "in", {"box.mbox": mbox})
    page = report(folder)
    second = [f for f in findings_of(folder) if f["code"] == "LN001"][1]
    assert second["line"] == 17  # From_ line 10, the message from line 11
    assert '<span class="mk f s-error c-LN001"' in line_div(page, "m2-L17")
    assert "message 2 of the mbox, from line 11" in page
    assert '<div class="l e-lfs"' in page


# --- in a real browser -----------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium not found: .ci/run installs Debian's chromium (apt-get install chromium)",
)


class Browser:
    """Headless Chromium driven over the DevTools protocol on a pipe (fds 3 and 4)."""

    def __init__(self, profile: Path, width: int = 1280, height: int = 900) -> None:
        to_chrome_read, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_write = os.pipe()

        def wire() -> None:  # in the child: the pipe's ends become fds 3 and 4
            read_end, write_end = os.dup(to_chrome_read), os.dup(from_chrome_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.process = subprocess.Popen(
            [
                CHROMIUM,
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=wire,  # noqa: PLW1509 - the test's own single-threaded child
            close_fds=False,
        )
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self._buffer = b""
        self._id = 0
        self.events: list[dict] = []
        targets = self._call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        attached = self._call("Target.attachToTarget", targetId=page["targetId"], flatten=True)
        self.session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable")

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("chromium did not answer in time")
            ready, _, _ = select.select([self._from_chrome], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed its pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, session: str | None = None, timeout: float = 60, **params):
        self._id += 1
        message: dict = {"id": self._id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def send(self, method: str, **params):
        return self._call(method, session=self.session, **params)

    def open(self, url: str, *, scripts: bool = True, timeout: float = 120) -> None:
        self.send("Emulation.setScriptExecutionDisabled", value=not scripts)
        self.events.clear()
        self.send("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._read(deadline))

    def eval(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"].get("value")

    def click(self, selector: str) -> None:
        """A real mouse click (works with scripting off) on the element's centre."""
        x, y = self.eval(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def shown(self, selector: str) -> list[bool]:
        """For each matching element: is it displayed (itself and every ancestor)?"""
        return self.eval(
            f"Array.from(document.querySelectorAll({json.dumps(selector)})).map(e => {{"
            " for (; e; e = e.parentElement) {"
            " if (getComputedStyle(e).display === 'none') return false; }"
            " return true; })"
        )

    def screenshot(self, path: Path, clip: dict | None = None) -> None:
        params: dict = {"format": "png"}
        if clip:
            params["clip"] = {**clip, "scale": 1}
        path.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", **params)["data"]))

    def console(self) -> list[str]:
        return [
            e["params"]["entry"]["text"] for e in self.events if e.get("method") == "Log.entryAdded"
        ]

    def requests(self) -> list[str]:
        return [
            e["params"]["request"]["url"]
            for e in self.events
            if e.get("method") == "Network.requestWillBeSent"
        ]

    def close(self) -> None:
        try:
            self._call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if CHROMIUM is None:
        pytest.skip(
            "chromium not found: .ci/run installs Debian's chromium (apt-get install chromium)"
        )
    instance = Browser(tmp_path_factory.mktemp("chromium-profile"))
    yield instance
    instance.close()


@pytest.fixture
def mixed_report(tmp_path):
    """A report of a hostile, an erroneous, a warning-only, an info-only and a clean message."""
    unix = CLEAN.replace(b"\r\n", b"\n")  # LN003 info only
    folder = write(
        tmp_path / "in",
        {
            HOSTILE_NAME: HOSTILE,
            "long.eml": LONG,
            "warn.eml": WARN,
            "unix.eml": unix,
            "clean.eml": CLEAN,
        },
    )
    page = report(folder)
    return tmp_path / "in.html", page, findings_of(folder)


@needs_chromium
def test_browser_shows_the_findings_and_runs_nothing_from_the_message(browser, mixed_report):
    path, _page, findings = mixed_report
    browser.open(path.as_uri())
    assert browser.eval("document.title") == "maillint report: 5 messages"
    assert browser.eval("JSON.stringify(document.body.dataset)") == "{}"
    assert browser.eval("document.images.length") == 0
    assert browser.eval("document.querySelectorAll('iframe, img, object, embed').length") == 0
    assert browser.eval("document.scripts.length") == 2
    # our own script ran (its hash is in the policy) and our style applied (its hash too)
    assert browser.eval("document.documentElement.classList.contains('js')") is True
    assert browser.eval("document.getElementById('shown').textContent") == "5 of 5 messages shown"
    assert browser.eval("getComputedStyle(document.querySelector('.bar')).position") == "sticky"
    assert not [line for line in browser.console() if "Content Security Policy" in line]
    assert all(url.startswith("file:") for url in browser.requests()), browser.requests()
    # every finding is on the page: its annotation under its line, and its mark on the line
    assert browser.eval("document.querySelectorAll('.fa').length") == len(findings)
    assert browser.eval("document.querySelectorAll('.l .mk').length") == len(findings)
    assert all(browser.shown(".fa"))
    hostile_subject = browser.eval(
        "document.querySelector('#index-table tbody tr td:nth-child(3)').textContent"
    )
    assert "<script>document.title='PWNED'</script>" in hostile_subject  # shown, as text


@needs_chromium
def test_browser_policy_blocks_markup_that_escaping_would_have_missed(browser, mixed_report):
    """Defence in depth: were a value ever inserted unescaped, the policy would still stop it."""
    path, page, _findings = mixed_report
    injected = (
        "<script>document.title='INJECTED'</script>"
        "<img src=x onerror=\"document.title='INJECTED'\">"
        "<p id=styled style='display:none'>x</p>"
        "<a id=link href=\"javascript:document.title='INJECTED'\">y</a>"
    )
    tampered = path.with_name("tampered.html")
    tampered.write_text(page.replace("</main>", injected + "</main>"), encoding="utf-8")
    browser.open(tampered.as_uri())
    browser.click("#link")
    assert browser.eval("document.title") == "maillint report: 5 messages"
    assert browser.eval("getComputedStyle(document.getElementById('styled')).display") != "none"
    violations = [line for line in browser.console() if "Content Security Policy" in line]
    assert violations  # refused, and said so
    assert browser.eval("document.documentElement.classList.contains('js')") is True  # ours ran


def _filters_work(browser: Browser) -> None:
    """Severity and rule filters, by real clicks on their labels."""
    assert all(browser.shown(".fa.s-error"))
    browser.click("label[for=show-error]")
    assert not any(browser.shown(".fa.s-error")) and all(browser.shown(".fa.s-warning"))
    browser.click("label[for=show-warning]")
    browser.click("label[for=show-info]")
    # nothing left but the clean message
    assert not any(browser.shown(".fa"))
    assert browser.shown("section.msg.k-clean") == [True]
    assert not any(browser.shown("section.msg:not(.k-clean)"))
    for severity in ("error", "warning", "info"):
        browser.click(f"label[for=show-{severity}]")
    assert all(browser.shown("section.msg"))
    # only one rule: its findings stay, the others go, and so do messages without it
    browser.click("label.pick-LN001")
    assert all(browser.shown(".fa.c-LN001")) and browser.shown(".fa.c-LN001")
    assert not any(browser.shown(".fa:not(.c-LN001)"))
    assert browser.shown("section.msg") == browser.eval(
        "Array.from(document.querySelectorAll('section.msg'))"
        ".map(s => s.classList.contains('h-LN001'))"
    )
    assert all(browser.shown("label.cur-LN001"))
    browser.click("label.cur-LN001")  # back to every rule
    assert all(browser.shown("section.msg")) and all(browser.shown(".fa"))


@needs_chromium
def test_browser_filters_work_with_scripting(browser, mixed_report):
    path, _page, _findings = mixed_report
    browser.open(path.as_uri())
    _filters_work(browser)
    browser.click("label[for=show-info]")
    assert browser.eval("document.getElementById('shown').textContent") == "4 of 5 messages shown"


@needs_chromium
def test_browser_filters_work_without_scripting(browser, mixed_report):
    path, _page, _findings = mixed_report
    browser.open(path.as_uri(), scripts=False)
    assert browser.eval("document.documentElement.classList.contains('js')") is False
    _filters_work(browser)


@needs_chromium
def test_browser_sorts_the_index_by_a_column(browser, mixed_report):
    path, _page, _findings = mixed_report
    browser.open(path.as_uri())
    rows = (
        "Array.from(document.querySelectorAll('#index-table tbody tr'))"
        ".map(r => Number(r.dataset.n))"
    )
    worst_first = browser.eval(rows)
    browser.click("#index-table th[data-key=n]")
    assert browser.eval(rows) == sorted(worst_first)
    browser.click("#index-table th[data-key=n]")
    assert browser.eval(rows) == sorted(worst_first, reverse=True)


@needs_chromium
def test_browser_opens_a_large_report(browser, tmp_path):
    messages = {f"m{n:03}.eml": (LONG if n % 3 else WARN) for n in range(150)}
    messages["big.eml"] = big_attachment(20_000, bad_line=10_000)
    page = report(write(tmp_path / "in", messages))
    browser.open((tmp_path / "in.html").as_uri())  # waits for the load event
    assert browser.eval("document.querySelectorAll('section.msg').length") == 151
    assert browser.eval("document.querySelectorAll('.l').length") == page.count('<div class="l ')
    browser.eval("document.getElementById('m151').scrollIntoView()")
    shot = tmp_path / "shot.png"
    browser.screenshot(shot)
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 10_000

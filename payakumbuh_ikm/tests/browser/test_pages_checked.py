"""Every page the journeys looked at, signed out and as each role, through axe-core (WCAG 2.1 A
and AA, serious and critical violations), the Nu Html Checker (errors) and a phone check at
360 px (no sideways scrolling, touch targets of 44 x 44 px: conftest.PHONE_RUN). Each check
reports all pages at once. Problems already known and listed below make the check xfail with their
list; anything else fails it."""

import json
import re
import subprocess
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods"),
]

VNU_JAR = Path(__file__).resolve().parents[3] / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

# (rule or message, page, target or extract), each a regular expression -> why it is not fixed
# here. Every entry is reported to the lead; the check fails on anything not listed. Empty: the
# Django admin findings once listed here (filter_horizontal, select2's first option, the inline
# management form's autocomplete) are fixed on the portal's side (businesses.admin
# ValidHtmlAdminMixin, static/js/admin-valid-html.js).
KNOWN_AXE: dict[tuple[str, str, str], str] = {}
KNOWN_VNU: dict[tuple[str, str, str], str] = {}
# (rule, page, element), as above.
KNOWN_PHONE: dict[tuple[str, str, str], str] = {}


def vnu_errors(files: list[Path]) -> dict[Path, list[dict]]:
    """The Nu Html Checker's errors for each file, from one JVM for all of them."""
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout or '{"messages": []}')
    found: dict[Path, list[dict]] = {}
    for message in report.get("messages", []):
        found.setdefault(Path(message.get("url", "").removeprefix("file:")), []).append(message)
    return found


def _known(table: dict[tuple[str, str, str], str], page: str, rule: str, detail: str) -> str | None:
    return next(
        (why for (r, p, d), why in table.items() if re.search(r, rule) and re.search(p, page) and re.search(d, detail)),
        None,
    )


def _pages(audit) -> str:
    seen = sorted({f"[{visit.who}] {visit.url}" for visit in audit.visits})
    return f"{len(audit.visits)} page views, {len(seen)} pages checked: " + ", ".join(seen)


def _verdict(problems: list[tuple[str, str, str]], table: dict[tuple[str, str, str], str], what: str) -> None:
    """problems: (page, rule, detail), one per element. Fail listing every problem when any is
    not in ``table``; xfail listing them all when every one is known."""
    problems = sorted(set(problems))
    if not problems:
        return
    unknown = [p for p in problems if not _known(table, *p)]
    lines = [f"{'NEW ' if p in unknown else 'known '}{p[0]}: {p[1]}: {p[2]}" for p in problems]
    if unknown:
        pytest.fail(f"{what}: {len(unknown)} new problem(s) of {len(problems)}:\n" + "\n".join(lines), pytrace=False)
    pytest.xfail(f"{what}: {len(problems)} known problem(s), listed for the lead:\n" + "\n".join(lines))


def test_axe_finds_no_serious_violation(audit):
    if not audit.visits:
        pytest.fail("no page visited: the journeys ran, on another process, or visited nothing", pytrace=False)
    problems = [
        (f"[{visit.who}] {visit.url}", f"{violation['id']} ({violation['help']})", target)
        for visit in audit.visits
        for violation in visit.axe
        for target in violation["targets"]
    ]
    _verdict(problems, KNOWN_AXE, f"axe (wcag2a, wcag2aa, wcag21a, wcag21aa; serious and critical) on {_pages(audit)}")


def test_nu_checker_finds_no_error(audit):
    if not audit.visits:
        pytest.fail("no page visited: the journeys ran, on another process, or visited nothing", pytrace=False)
    found = vnu_errors([visit.html_file for visit in audit.visits])
    problems = [
        (
            f"[{visit.who}] {visit.url}",
            message.get("message", ""),
            " ".join(message.get("extract", "").split())[:100],
        )
        for visit in audit.visits
        for message in found.get(visit.html_file, [])
    ]
    _verdict(problems, KNOWN_VNU, f"Nu Html Checker (errors) on {_pages(audit)}")


def test_every_page_fits_a_phone(audit):
    if not audit.visits:
        pytest.fail("no page visited: the journeys ran, on another process, or visited nothing", pytrace=False)
    problems = [
        (f"[{visit.who}] {visit.url}", problem["rule"], problem["target"]) for visit in audit.visits for problem in visit.phone
    ]
    _verdict(problems, KNOWN_PHONE, f"phone (360 px: no sideways scrolling, targets of 44 x 44 px) on {_pages(audit)}")

"""The README's test command runs the linters before the suite, so code that fails `make lint`
(a `# nosec` that silences less than it says, an unformatted file) cannot pass CI. Read from
make itself (`make -n` prints what a target would run, recursive `$(MAKE)` calls included)."""

import subprocess  # nosec B404  # runs make, a fixed command, in the repository
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_exactly_make_test():
    commands = [
        line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert commands[-1] == "make test"


@pytest.mark.requires_tools("make")
def test_make_test_runs_ruff_and_bandit_before_any_test():
    planned = subprocess.run(  # nosec B603 B607  # make from PATH, fixed arguments
        ["make", "-n", "--no-print-directory", "test"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()

    def first(fragment: str) -> int:
        return next(i for i, line in enumerate(planned) if fragment in line)

    first_test = first("bin/pytest")
    for linter in ("bin/ruff check .", "bin/ruff format --check .", "bin/bandit "):
        assert first(linter) < first_test, f"{linter} must run before the tests"

"""`make bench`: run every benchmark under bench/, then write BENCHMARKS.md from bench/results.json.

Each benchmark is a script that measures its figures together with a floor measured in the
same run (absolute times do not hold from run to run on these machines) and merges them into
bench/results.json as {name: {figure: {value, unit, floor, ratio, scale, ...}}}.
"""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# dashboard.py builds each scale's data (datagen.py); monthly_report.py, run after it, reuses it.
SCRIPTS = ["import_businesses.py", "registration_rush.py", "reminders_10k.py", "dashboard.py", "monthly_report.py",
           "csv_export.py", "public_pages.py"]  # fmt: skip


def main() -> int:
    only = sys.argv[1:]
    for script in SCRIPTS:
        if only and script not in only:
            continue
        print(f"== {script}", flush=True)
        result = subprocess.run([sys.executable, str(BENCH / script)], cwd=ROOT)
        if result.returncode:
            print(f"{script} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    write_markdown()
    return 0


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    return "" if value is None else str(value)


def _figures(data: dict, prefix: str = ""):
    """Yield (name, figure) for every dict holding a "value", however deep it is nested."""
    for key, item in data.items():
        if isinstance(item, dict) and "value" in item:
            yield f"{prefix}{key}", item
        elif isinstance(item, dict):
            yield from _figures(item, f"{prefix}{key}.")


def write_markdown() -> None:
    results = json.loads((BENCH / "results.json").read_text()) if (BENCH / "results.json").exists() else {}
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` from bench/results.json. Each figure is measured with its floor",
        "in the same run; the ratio is figure / floor (lower is better for times and memory).",
        "",
    ]
    for name, section in results.items():
        lines += [f"## {name}", ""]
        lines += [f"- {key}: {value}" for key, value in section.items() if not isinstance(value, dict)]
        lines += ["", "| figure | value | floor | ratio | scale |", "|---|---|---|---|---|"]
        for figure, data in _figures(section):
            cells = [figure, *(_cell(data.get(k)) for k in ("value", "floor", "ratio", "scale"))]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

"""`make bench`: run every benchmark under bench/, then write BENCHMARKS.md from bench/results.json.

Each benchmark is a script that measures its figures together with a floor measured in the
same run (absolute times do not hold from run to run on these machines) and merges them into
bench/results.json as {name: {figure: {value, unit, floor, ratio, scale, ...}}}.
"""

import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# csv_export.py builds the province's data (datagen.py) and exports a million of its reports;
# dashboard.py reuses it and builds the city's; monthly_report.py and signed_in.py, run after it,
# reuse both. showcase.py builds its own province database (six months of reports, 500,000 products).
SCRIPTS = ["import_businesses.py", "registration_rush.py", "reminders_10k.py", "csv_export.py", "public_pages.py",
           "dashboard.py", "monthly_report.py", "signed_in.py", "showcase.py"]  # fmt: skip


def main() -> int:
    only = sys.argv[1:]
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for script in SCRIPTS:
        if only and script not in only:
            continue
        print(f"== {script}", flush=True)
        began = time.perf_counter()
        result = subprocess.run([sys.executable, str(BENCH / script)], cwd=ROOT)
        seconds[script] = round(time.perf_counter() - began, 1)
        print(f"== {script}: {seconds[script]:.0f} s", flush=True)
        if result.returncode:
            print(f"{script} failed with exit code {result.returncode}", file=sys.stderr)
            return result.returncode
    total = round(time.perf_counter() - started, 1)
    print(f"== total {total:.0f} s ({total / 60:.1f} min): " + ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items()))
    if not only:  # the wall time of a whole make bench (issue 6: under 15 minutes on 2 cores)
        _save_run(seconds, total)
    write_markdown()
    return 0


def _save_run(seconds: dict[str, float], total: float) -> None:
    path = BENCH / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {}
    results["bench_run"] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average": f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        "seconds": {"value": total, "unit": "s", "floor": None, "ratio": None, "scale": "whole make bench",
                    "target": "< 900"},
        "scripts": {script: {"value": value, "unit": "s", "scale": script} for script, value in seconds.items()},
    }  # fmt: skip
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")


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
        lines += ["", "| figure | value | floor | ratio | scale | load |", "|---|---|---|---|---|---|"]
        for figure, data in _figures(section):
            cells = [figure, *(_cell(data.get(k)) for k in ("value", "floor", "ratio", "scale", "load_average"))]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

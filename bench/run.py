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
SCRIPTS = ["import_businesses.py"]


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


def write_markdown() -> None:
    results = json.loads((BENCH / "results.json").read_text()) if (BENCH / "results.json").exists() else {}
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` from bench/results.json. Each figure is measured with its floor",
        "in the same run; the ratio is figure / floor (lower is better for times and memory).",
        "",
    ]
    for name, figures in results.items():
        lines += [f"## {name}", "", "| figure | value | unit | floor | ratio | scale |", "|---|---|---|---|---|---|"]
        for figure, data in figures.items():
            if not isinstance(data, dict):
                continue
            lines.append(
                "| "
                + " | ".join(
                    [
                        figure,
                        _cell(data.get("value")),
                        _cell(data.get("unit")),
                        _cell(data.get("floor")),
                        _cell(data.get("ratio")),
                        _cell(data.get("scale")),
                    ]
                )
                + " |"
            )
        lines.append("")
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())

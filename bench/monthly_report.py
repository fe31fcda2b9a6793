"""Bench: the monthly Excel report against openpyxl's write-only mode writing the same rows.

At each scale (bench/datagen.py: city, 2,000 businesses; province, 100,000; 36 months of
reports), for last month:

- excel: what the monthly job does for its workbook, ``report_files.write_workbook(
  report_files.monthly_sheets(period=...))``: the figure queries, the business rows, the five sheets
  (Ringkasan, Kecamatan, Sektor, Kelengkapan, Usaha) with formula-safe text, bold headers and
  frozen panes, saved to bytes;
- floor: the same rows (read beforehand, not timed) appended to a plain ``Workbook(write_only=True)``
  and saved to bytes: no query, no cell handling;
- job: the whole monthly job as a worker runs it, ``tasks.monthly_report_build_task`` (Excel,
  the PDF summary through WeasyPrint, both files stored, officials' emails queued), against the
  same floor (reported, no target).

Target: excel / floor at most 1.5 at both scales. Each figure is the median of ``--runs`` runs.

    .venv/bin/python bench/monthly_report.py                  # both scales, writes results.json
    .venv/bin/python bench/monthly_report.py --scales city --runs 1 --no-save

Own resources: the databases of bench/dashboard.py (bench_h2_city, bench_h2_province; built by
datagen, reused when they already hold the same build), Redis 127.0.0.1:6379 databases 6 and 7,
files under /tmp/bench_h2_media. Results: bench/results.json "monthly_report".
"""

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path[:0] = [str(BENCH), str(ROOT)]
import datagen  # noqa: E402

RESULTS = BENCH / "results.json"
PREFIX = os.environ.get("BENCH_DATA_PREFIX", "bench_h2")
MEDIA = f"/tmp/{PREFIX}_media"
TARGET = 1.5


def floor_write(sheets: list[tuple[str, list, list[list]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    stream = io.BytesIO()
    book.save(stream)
    return stream.getvalue()


def _plain(sheets):
    """The rows as the floor gets them: the same values, already safe, as plain Python."""
    from safetext import cells

    return [(title, [str(h) for h in header], [[cells.value(v) for v in row] for row in rows]) for title, header, rows in sheets]


def run_scale(scale: str, runs: int) -> dict:
    os.environ["TEST_MEDIA_ROOT"] = MEDIA
    datagen.django_setup(f"{PREFIX}_{scale}")
    from django.conf import settings
    from django.utils import translation

    from recovery import report_files
    from recovery.models import ReportFile, ReportFileKind
    from recovery.selectors import period_default
    from recovery.tasks import monthly_report_build_task

    info = datagen.build(scale=scale)
    print(f"[{scale}] data: {info}", flush=True)
    try:  # the dashboard's summaries, where the portal has them, must hold this data
        from recovery.aggregates import summaries_refresh, summaries_stale

        if summaries_stale():
            started = time.perf_counter()
            summaries_refresh()
            print(f"[{scale}] summaries refreshed in {time.perf_counter() - started:.1f} s", flush=True)
    except ImportError:
        pass

    period = period_default()
    excel, floor, job = [], [], []
    with translation.override(settings.LANGUAGE_CODE):
        sheets = _plain(report_files.monthly_sheets(period=period))
        rows = sum(len(s[2]) for s in sheets)
        for _ in range(runs):
            started = time.perf_counter()
            workbook = report_files.write_workbook(report_files.monthly_sheets(period=period))
            excel.append(time.perf_counter() - started)
            started = time.perf_counter()
            plain = floor_write(sheets)
            floor.append(time.perf_counter() - started)
    for _ in range(runs):
        ReportFile.objects.filter(kind=ReportFileKind.MONTHLY, period=period).delete()
        started = time.perf_counter()
        built = monthly_report_build_task(f"{period:%Y-%m}")
        job.append(time.perf_counter() - started)
        assert built, "the monthly job built nothing"
    ReportFile.objects.filter(kind=ReportFileKind.MONTHLY, period=period).delete()
    result = {
        "rows": rows,
        "businesses_rows": len(sheets[-1][2]),
        "excel_s": [round(t, 3) for t in excel],
        "floor_s": [round(t, 3) for t in floor],
        "job_s": [round(t, 3) for t in job],
        "excel_bytes": len(workbook),
        "floor_bytes": len(plain),
    }
    print(f"[{scale}] {result}", flush=True)
    return result


def figures(results: dict) -> dict:
    section = {}
    for scale, result in results.items():
        excel, floor, job = (statistics.median(result[k]) for k in ("excel_s", "floor_s", "job_s"))
        section[scale] = {
            "rows": result["rows"],
            "excel": {"value": round(excel, 3), "unit": "s", "floor": round(floor, 3), "ratio": round(excel / floor, 2),
                      "scale": scale, "target": f"ratio <= {TARGET}", "met": excel / floor <= TARGET,
                      "runs": result["excel_s"], "floor_runs": result["floor_s"], "bytes": result["excel_bytes"]},
            "job": {"value": round(job, 3), "unit": "s", "floor": round(floor, 3), "ratio": round(job / floor, 2),
                    "scale": scale, "runs": result["job_s"], "note": "Excel + PDF + storage + emails queued"},
        }  # fmt: skip
    return section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scales", default="city,province")
    parser.add_argument("--runs", type=int, default=3, help="runs at city scale")
    parser.add_argument("--province-runs", type=int, default=1, help="runs at province scale (each about 2 minutes)")
    parser.add_argument("--no-save", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        Path(os.environ["BENCH_H2_OUT"]).write_text(json.dumps(run_scale(args.child, args.runs)))
        return 0

    started = time.perf_counter()
    results = {}
    for scale in args.scales.split(","):
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            runs = args.province_runs if scale == "province" else args.runs
            command = [sys.executable, __file__, "--child", scale, "--runs", str(runs)]
            subprocess.run(command, cwd=ROOT, env={**os.environ, "BENCH_H2_OUT": out.name}, check=True)
            results[scale] = json.loads(Path(out.name).read_text())
    section = {
        "measured": "report_files.write_workbook(report_files.monthly_sheets(period)) for last month (queries, rows, five sheets)",
        "floor": "the same rows appended to openpyxl Workbook(write_only=True) and saved, nothing else",
        "seconds": round(time.perf_counter() - started, 1),
        **figures(results),
    }
    print(json.dumps(section, indent=2))
    if not args.no_save:
        existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        existing["monthly_report"] = section
        temporary = RESULTS.with_suffix(".tmp")
        temporary.write_text(json.dumps(existing, indent=2) + "\n")
        temporary.replace(RESULTS)
    return 0


if __name__ == "__main__":
    sys.exit(main())

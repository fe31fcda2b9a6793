"""No module writes a spreadsheet or CSV cell except through ``safetext.cells`` (issue 14,
findings 1 and 6: five helpers with three rules had let a formula and control characters
through). The code is read, not run: a new csv.writer, openpyxl workbook, xlsxwriter, tablib
export or import-export format anywhere in the portal fails here, with the place to fix."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("accounts", "businesses", "trainings", "recovery", "notifications", "payakumbuh_ikm", "safetext", "spreadsheets")
HELPER = Path("safetext/cells.py")

# Names that make a workbook, a cell or a CSV writer of their own.
FORBIDDEN_IMPORTS = {
    "openpyxl": {"Workbook"},
    "openpyxl.workbook": {"Workbook"},
    "openpyxl.cell": {"WriteOnlyCell", "Cell", "MergedCell"},
    "openpyxl.cell.cell": {"WriteOnlyCell", "Cell", "MergedCell"},
    "csv": {"writer", "DictWriter"},
}
FORBIDDEN_MODULES = ("xlsxwriter", "xlwt", "pyexcelerate", "openpyxl.writer", "openpyxl.worksheet._write_only", "pandas")
# tablib writes files its own way (its csv/xlsx exports do not escape formulas).
TABLIB_EXPORTS = {"csv", "tsv", "xlsx", "xls", "ods", "export", "html"}
# import-export's own formats write cells with their rules, not ours.
IMPORT_EXPORT_FORMATS = {"CSV", "XLSX", "XLS", "TSV", "ODS", "HTML", "JSON", "YAML"}
FILE_CONTENT_TYPES = ("text/csv", "spreadsheetml", "ms-excel", "opendocument.spreadsheet")


def violations(source: str, name: str) -> list[str]:
    """Where ``source`` writes cells without ``safetext.cells``: one line per place."""
    tree = ast.parse(source)
    found = []
    imports_sheets = False
    # import-export's format as the base of one of ours that writes its own export_data.
    overridden = {
        id(base)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and any(isinstance(f, ast.FunctionDef) and f.name == "export_data" for f in node.body)
        for base in node.bases
    }
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(FORBIDDEN_MODULES) or alias.name == "openpyxl":
                    found.append(f"{where} import {alias.name}: use safetext.cells")
        elif isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith(FORBIDDEN_MODULES):
                found.append(f"{where} from {node.module} import ...: use safetext.cells")
            for alias in node.names:
                if alias.name in FORBIDDEN_IMPORTS.get(node.module, ()):
                    found.append(f"{where} from {node.module} import {alias.name}: use safetext.cells")
                if node.module.startswith("import_export.formats") and alias.name in IMPORT_EXPORT_FORMATS:
                    found.append(f"{where} import-export's {alias.name} format writes its own cells")
            imports_sheets |= node.module.startswith("openpyxl") or node.module == "safetext"
        elif isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else ""
            if owner == "csv" and node.attr in ("writer", "DictWriter"):
                found.append(f"{where} csv.{node.attr}: use safetext.cells.CsvWriter")
            if owner == "base_formats" and node.attr in IMPORT_EXPORT_FORMATS and id(node) not in overridden:
                found.append(f"{where} base_formats.{node.attr} writes its own cells: subclass it and write with safetext.cells")
            if owner == "tablib" and node.attr != "Dataset":  # a Dataset holds rows read from an import
                found.append(f"{where} tablib.{node.attr}: tablib writes files without safetext.cells")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "export":
            if node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value in TABLIB_EXPORTS:
                found.append(f"{where} .export({node.args[0].value!r}): tablib writes the file, use safetext.cells")
    if imports_sheets:
        # A cell's value set by hand skips the sheet's own check (cells.Workbook's sheets run
        # every append, cell(...) and sheet["A1"] = ... through the rule, not cell.value = ...).
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in ("value", "_value", "data_type"):
                    found.append(f"{name}:{node.lineno} sets a cell's {target.attr}: append the value instead")
    if any(kind in source for kind in FILE_CONTENT_TYPES):
        # Serves a spreadsheet or a CSV: its bytes must come from a module that writes through cells.
        modules = set()
        for n in ast.walk(tree):
            if isinstance(n, ast.ImportFrom):
                prefix = "." * n.level + (n.module or "")
                modules |= {prefix} if n.module else {f"{prefix}{alias.name}" for alias in n.names}
        if not modules & {"safetext", "safetext.cells"} and not any(_writes_through_cells(m, name) for m in modules):
            found.append(f"{name} serves a spreadsheet or CSV from no module that writes through safetext.cells")
    return found


def _writes_through_cells(module: str, importer: str) -> bool:
    if module.startswith("."):
        path = ROOT / Path(importer).parent / (module.lstrip(".").replace(".", "/") + ".py")
    else:
        path = ROOT / (module.replace(".", "/") + ".py")
    return path.exists() and "from safetext import cells" in path.read_text()


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts or relative == HELPER:
                continue
            yield relative, path.read_text()


def test_no_module_writes_a_cell_except_through_safetext_cells():
    found = [line for relative, source in _sources() for line in violations(source, str(relative))]
    assert found == []


def test_the_walk_reads_every_module_that_writes_files():
    walked = {str(relative) for relative, _source in _sources()}
    for module in ("businesses/resources.py", "recovery/report_files.py", "recovery/exports.py", "recovery/csv_export.py",
                   "trainings/exports.py", "recovery/resources.py", "recovery/views.py", "trainings/views_roster.py"):  # fmt: skip
        assert module in walked


@pytest.mark.parametrize(
    "snippet",
    [
        "import csv\nw = csv.writer(out)",
        "from csv import writer",
        "from openpyxl import Workbook",
        "import openpyxl\nopenpyxl.Workbook()",
        "from openpyxl.cell import WriteOnlyCell",
        "import xlsxwriter",
        "from safetext import cells\nsheet['A1'].value = name",
        "import tablib\ntablib.Databook()",
        "from import_export.formats import base_formats\nclass Mine(base_formats.CSV):\n    pass",
        "data = dataset.export('csv')",
        "from import_export.formats.base_formats import CSV",
        "from import_export.formats import base_formats\nFORMATS = [base_formats.XLSX]",
        "from django.http import HttpResponse\nHttpResponse(body, content_type='text/csv')",
    ],
)
def test_the_walk_finds_each_way_around_the_helper(snippet):
    assert violations(snippet, "example.py"), snippet


def test_every_admin_export_format_writes_through_safetext_cells():
    """django-import-export's admin export (and any admin that adds one later) writes with a
    format of the portal's, whose export_data the walk above reads."""
    checked = 0
    for model_admin in admin.site._registry.values():
        if not hasattr(model_admin, "get_export_formats"):
            continue
        for file_format in model_admin.get_export_formats():
            module = file_format.export_data.__module__
            assert module.split(".")[0] in PACKAGES, (type(model_admin).__name__, file_format, module)
            checked += 1
    assert checked >= 2  # the registry's .xlsx and .csv

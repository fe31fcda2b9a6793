from django.urls import path

from . import csv_export, views, views_report_files

app_name = "recovery"

urlpatterns = [
    path("saya/", views.owner_reports, name="mine"),
    path("usaha/<int:pk>/", views.business_reports, name="business"),
    path("usaha/<int:pk>/lapor/", views.report_form, name="report-form"),
    path("laporan/<int:pk>/", views.report_detail, name="report-detail"),
    path("laporan/<int:pk>/setujui/", views.report_approve, name="report-approve"),
    path("laporan/<int:pk>/kembalikan/", views.report_return, name="report-return"),
    path("formulir-laporan.pdf", views.report_form_blank, name="report-form-blank"),
    path("kelengkapan/", views.completeness, name="completeness"),
    path("kelengkapan/ingatkan/", views.completeness_nudge, name="completeness-nudge"),
    path("angka/", views.figures, name="figures"),
    path("cara-membaca/", views.glossary, name="glossary"),
    path("dasbor/", views.dashboard, name="dashboard"),
    path("dasbor/unduh.<str:fmt>", views.dashboard_export, name="dashboard-export"),
    path("dasbor/laporan.csv", csv_export.reports_csv, name="dashboard-reports-csv"),
    path("target/", views.targets, name="targets"),
    path("laporan/", views_report_files.report_file_list, name="report-files"),
    path("laporan/jadwal/", views_report_files.report_schedule, name="report-schedule"),
    path("laporan/buat-sekarang/", views_report_files.report_build_now, name="report-build-now"),
    path("laporan/ekspor/", views_report_files.export_start, name="export-start"),
    path("laporan/ekspor/<int:pk>/", views_report_files.export_status, name="export-status"),
    path("laporan/ekspor/<int:pk>/status.json", views_report_files.export_status_json, name="export-status-json"),
    path("laporan/berkas/<int:pk>/unduh.<str:fmt>", views_report_files.report_file_download, name="report-file-download"),
]

from django.urls import path

from . import views

app_name = "recovery"

urlpatterns = [
    path("saya/", views.mine, name="mine"),
    path("usaha/<int:pk>/", views.business_reports, name="business"),
    path("usaha/<int:pk>/lapor/", views.report_form, name="report-form"),
    path("laporan/<int:pk>/", views.report_detail, name="report-detail"),
    path("laporan/<int:pk>/setujui/", views.report_approve, name="report-approve"),
    path("laporan/<int:pk>/kembalikan/", views.report_return, name="report-return"),
    path("kelengkapan/", views.completeness, name="completeness"),
    path("angka/", views.figures, name="figures"),
    path("dasbor/", views.dashboard, name="dashboard"),
    path("dasbor/unduh.<str:fmt>", views.dashboard_export, name="dashboard-export"),
    path("target/", views.targets, name="targets"),
]

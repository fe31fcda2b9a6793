from django.urls import path

from . import views, views_certificates, views_feedback, views_roster

app_name = "trainings"

urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("saya/", views.owner_registrations, name="mine"),
    path("kalender.ics", views.feed, name="feed"),
    path("<int:pk>/", views.session_detail, name="session-detail"),
    path("<int:pk>/daftar/", views.register, name="register"),
    path("<int:pk>/kalender.ics", views.session_ics, name="session-ics"),
    path("pendaftaran/<int:pk>/batal/", views.cancel, name="cancel"),
    path("pendaftaran/<int:pk>/pulihkan/", views.restore, name="restore"),
    # Staff: roster, attendance, adding and moving participants, exports; the owner's QR code.
    path("<int:pk>/peserta/", views_roster.roster, name="roster"),
    path("<int:pk>/peserta/tambah/", views_roster.registration_add, name="registration-add"),
    path("<int:pk>/peserta.xlsx", views_roster.roster_xlsx, name="roster-xlsx"),
    path("<int:pk>/daftar-hadir.pdf", views_roster.roster_pdf, name="roster-pdf"),
    path("pendaftaran/<int:pk>/hadir/", views_roster.attendance_toggle, name="attendance-toggle"),
    path("pendaftaran/<int:pk>/pindah/", views_roster.registration_move, name="registration-move"),
    path("pendaftaran/<int:pk>/qr/", views_roster.attendance_qr, name="attendance-qr"),
    path("hadir/<str:token>/", views_roster.attendance_scan, name="attendance-scan"),
    # Certificates (download) and feedback.
    path("pendaftaran/<int:pk>/sertifikat.pdf", views_certificates.download, name="certificate-download"),
    path("pendaftaran/<int:pk>/umpan-balik/", views_feedback.feedback, name="feedback"),
    path("umpan-balik/", views_feedback.feedback_summary, name="feedback-summary"),
    path("<int:pk>/umpan-balik/", views_feedback.feedback_session, name="feedback-session"),
]

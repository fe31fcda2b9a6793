from django.apps import AppConfig


class PagesConfig(AppConfig):
    """Help, contact, privacy notice and terms: text pages staff edit in the admin."""

    name = "pages"
    verbose_name = "Halaman informasi"

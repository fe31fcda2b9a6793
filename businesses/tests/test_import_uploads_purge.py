import os
import time

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from businesses.services import IMPORT_UPLOAD_FOLDER, import_uploads_purge


def test_unconfirmed_import_uploads_are_purged_after_a_day_and_twice_is_harmless(settings):
    old = default_storage.save(f"{IMPORT_UPLOAD_FOLDER}/lama", ContentFile(b"nib,nik_pemilik\n"))
    fresh = default_storage.save(f"{IMPORT_UPLOAD_FOLDER}/baru", ContentFile(b"nib,nik_pemilik\n"))
    two_days_ago = time.time() - 2 * 86400
    os.utime(default_storage.path(old), (two_days_ago, two_days_ago))
    assert import_uploads_purge() == 1
    assert import_uploads_purge() == 0
    assert not default_storage.exists(old) and default_storage.exists(fresh)


def test_purge_without_any_upload_folder_does_nothing():
    assert import_uploads_purge() == 0

"""Strip control characters from the text already stored, now that every input refuses them
(safetext.validators): a business name saved as "\\x01=HYPERLINK(...)" before would otherwise
make every later full_clean of its row fail on a field nobody is editing.

Every CharField and TextField of the portal's apps, except the audit trail (historical rows and
audit events record what was there; audit events refuse UPDATE): C0, DEL and C1 are removed; a TextField keeps tab and line
breaks. Rows are found with a regex filter, so a database without such text is read, not
written. Here in recovery, the app above the others, so that it runs after all of theirs."""

from django.db import migrations, models

APPS = ("accounts", "notifications", "businesses", "trainings", "recovery")
# NUL cannot be stored in PostgreSQL text, so the classes start at U+0001.
SINGLE_LINE = "[\x01-\x1f\x7f-\x9f]"
MULTI_LINE = "[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"


def strip_control_characters(apps, schema_editor):
    import re

    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            if model.__name__.startswith("Historical") or model._meta.label == "accounts.AuditEvent":
                continue
            for field in model._meta.concrete_fields:
                if not isinstance(field, models.CharField | models.TextField):
                    continue
                if not type(field).__module__.startswith("django.db.models"):
                    continue  # the encrypted NIK and its hash: no text a person typed, and no regex on ciphertext
                pattern = MULTI_LINE if isinstance(field, models.TextField) else SINGLE_LINE
                strip = re.compile(pattern).sub
                rows = model._base_manager.filter(**{f"{field.attname}__regex": pattern})
                for pk, text in rows.values_list("pk", field.attname).iterator():
                    model._base_manager.filter(pk=pk).update(**{field.attname: strip("", text)})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_identifier_fields_normalise"),
        ("notifications", "0005_message_sending_claim"),
        ("businesses", "0006_identifier_fields_normalise"),
        ("trainings", "0006_attendance_history"),
        ("recovery", "0008_reportfile_revision"),
    ]

    operations = [migrations.RunPython(strip_control_characters, migrations.RunPython.noop, elidable=True)]

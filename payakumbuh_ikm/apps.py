from django.apps import AppConfig, apps
from django.db import models

# The portal's own apps: every text field of their models refuses control characters.
PROJECT_APPS = ("accounts", "notifications", "businesses", "trainings", "recovery", "pages")


class PayakumbuhIkmConfig(AppConfig):
    """The project's own app (shared template tags, the public page cache)."""

    name = "payakumbuh_ikm"

    def ready(self):
        from payakumbuh_ikm import public_cache

        public_cache.connect_signals()
        text_fields_refuse_control_characters()


def text_fields_refuse_control_characters() -> None:
    """Attach ``safetext``'s validator to every CharField (single line) and TextField (tab and
    line breaks allowed) of the portal's models, so that ``full_clean`` refuses control
    characters whichever path writes: a form, the admin, an import row, a service.

    Attached here, at start-up, to each field's run-time validator list and not declared on
    each field: one place covers every field, including the ones added later, without a
    migration that repeats the rule on some sixty fields (``deconstruct`` reads the declared
    validators, so migrations do not see this one). The rule is the field's type, so a
    per-field declaration would only restate it; a test walks every model to hold it."""
    from safetext.validators import ControlCharacterValidator, has_validator

    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label not in PROJECT_APPS:
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField) or has_validator(field.validators):
                continue
            validator = ControlCharacterValidator(field.verbose_name, multiline=isinstance(field, models.TextField))
            # ``Field.validators`` is a cached property: the list it returns is the one full_clean runs.
            field.__dict__["validators"] = [*field.validators, validator]

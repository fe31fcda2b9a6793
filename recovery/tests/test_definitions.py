"""Each figure's definition is written once (recovery.measures) and shown to users: on the
glossary page, beside every headline figure, and in docs/figures.md."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from recovery import measures
from recovery.models import Measure

pytestmark = pytest.mark.django_db


def test_every_measure_has_one_definition_with_its_denominator_and_unit():
    assert set(measures.DEFINITIONS) == set(Measure.values)
    for definition in measures.DEFINITIONS.values():
        assert definition.unit in ("usaha", "persen", "indeks")
        assert str(definition.denominator) and str(definition.explanation)


def test_the_glossary_explains_every_measure_to_anyone(client):
    html = client.get(reverse("recovery:glossary")).content.decode()
    for definition in measures.DEFINITIONS.values():
        assert f'id="{definition.key}"' in html
        assert str(definition.denominator) in html
    assert "tidak membuktikan" in html  # what the training comparison cannot prove


def test_docs_figures_lists_every_measure():
    text = (Path(settings.BASE_DIR) / "docs" / "figures.md").read_text()
    for key in measures.DEFINITIONS:
        assert f"`{key}`" in text

"""The demo city in the order its parts need each other: the registry (accounts, businesses),
then a year of monthly reports and the city's targets, the trainings, the showcase, and last the
dashboard's summaries. Every step is idempotent, so the whole is: a second run creates nothing.

Production code of its own (the Lighthouse run seeds it under the production settings), so it
goes through the apps' models and services and never through the tests' factories, which are
test code on a development-only package (factory_boy) and would draw other data."""

from collections.abc import Iterator

from businesses.reference import reference_load
from recovery.aggregates import summaries_refresh
from showcase.reference import showcase_reference_load

from .registry import registry_seed
from .reports import reports_seed, targets_seed
from .showcase import showcase_seed
from .trainings import trainings_seed

STEPS = ("recovery", "trainings", "showcase")


def demo_seed(*, skip: tuple[str, ...] | list[str] = ()) -> Iterator[tuple[str, dict[str, int]]]:
    """Seed every step not in ``skip`` (names from STEPS), yielding each step's name and what it
    created. The registry is never skipped: every other step draws on its businesses."""
    reference_load()
    yield "Registri", registry_seed()
    if "recovery" not in skip:
        yield "Laporan bulanan", {"reports": reports_seed(), "targets": targets_seed()}
    if "trainings" not in skip:
        yield "Pelatihan", trainings_seed()
    if "showcase" not in skip:
        showcase_reference_load()
        yield "Etalase", showcase_seed()
    if "recovery" not in skip:
        # Reports and attendance went in without the services: fill the dashboard's summaries
        # once, after the trainings (the figures split trained and untrained businesses).
        yield "Ringkasan dasbor", {"months": summaries_refresh()}

"""Signals the registry sends to the apps above it, which must react without the registry
knowing them (the imports run one way: recovery -> trainings -> businesses)."""

from django.dispatch import Signal

# Sent inside the transaction of a change that alters what the recovery figures count, with
# ``business_ids`` and ``since``: the moment from which the figures change (its month and every
# later one), or None when every month changes (a correction of the kecamatan, KBLI, baseline
# turnover or workforce). The receiver marks those months stale in the same transaction.
business_figures_changed = Signal()

# The fields whose correction changes the figures of every month the business counts in.
FIGURE_FIELDS = ("kelurahan", "kelurahan_id", "kbli", "kbli_id", "turnover_2019", "workers_male", "workers_female")

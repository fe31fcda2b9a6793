"""Monthly recovery reports, indicators and dashboards (built on the registry and trainings)."""

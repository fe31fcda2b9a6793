"""Text that stays text: refused at input when it carries control characters (``validators``),
and written into spreadsheets and CSV files so that no program runs it (``cells``).

A leaf package: it imports Django and openpyxl, never one of the portal's apps, so every app
(accounts at the bottom up to recovery) can import it without an import running upwards.
``payakumbuh_ikm`` (the wiring layer) attaches the validator to every model's text fields."""

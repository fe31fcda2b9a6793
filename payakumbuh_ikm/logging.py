"""Logs never carry a NIK: every record is masked before a handler writes it.

The code is written not to log NIKs (payakumbuh_ikm/tests/test_no_nik_in_logs.py checks the
paths that handle them); this filter is the second line, for what nobody foresaw: a library
that logs a request path with a NIK in its query, an exception whose text quotes a bad row.
Any run of exactly 16 digits is masked the way the portal shows NIKs (businesses.validators.
nik_mask: region and last two digits); longer runs (a 19-digit halal certificate number) and
shorter ones (phone numbers, NIB's 13) are left alone.
"""

import logging
import re

NIK_RUN = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{2})(?!\d)")


def nik_redact(text: str) -> str:
    """Mask every run of exactly 16 digits in ``text`` (1376************01)."""
    return NIK_RUN.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)


class NikMaskingFilter(logging.Filter):
    """Rewrite the record's message, exception and stack text with every 16-digit run masked.

    Attached to handlers (a logger's filter does not see records that propagate to it from
    child loggers; a handler's filter sees every record it is about to write). The record is
    changed in place, so the handlers after this one also get the masked text.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: let the handler report it as logging does
            return True
        masked = nik_redact(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = nik_redact(record.exc_text)
        if record.stack_info:
            record.stack_info = nik_redact(record.stack_info)
        return True


def nik_filter_install(logger: logging.Logger | None = None) -> None:
    """Put a NikMaskingFilter on every handler of ``logger`` (the root by default) that has none.

    For handlers that Django's LOGGING does not build: Celery's worker replaces the root
    logger's handlers with its own (worker_hijack_root_logger) and calls this from its
    after_setup_logger signal (payakumbuh_ikm/celery.py).
    """
    logger = logger or logging.getLogger()
    for handler in logger.handlers:
        if not any(isinstance(f, NikMaskingFilter) for f in handler.filters):
            handler.addFilter(NikMaskingFilter())

"""The quick start's WhatsApp: each message is printed where the worker's output goes, as the
console email backend does for email, so a new developer sees what an owner would receive."""

import sys
import threading

from .base import Provider

_lock = threading.Lock()


class ConsoleProvider(Provider):
    name = "console"
    stream = None  # sys.stdout at the time of sending (tests may swap it)

    def send(self, message) -> str:
        stream = self.stream or sys.stdout
        text = f"--- WhatsApp ke {message.recipient} ({message.key}) ---\n*{message.subject}*\n\n{message.body}\n{'-' * 60}\n"
        with _lock:
            stream.write(text)
            stream.flush()
        return f"console-{message.pk}"

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Reply:
    status: int = 200
    body: object = field(default_factory=lambda: {"id": "wa-1"})
    delay: float = 0.0


@dataclass
class FakeGateway:
    """Answers each POST with the next scripted reply (the last one repeats) and keeps what it got."""

    url: str
    replies: list[Reply] = field(default_factory=lambda: [Reply()])
    received: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def script(self, *replies: Reply) -> None:
        self.replies = list(replies)

    def _next(self, request: dict) -> Reply:
        with self.lock:
            self.received.append(request)
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway = self.server.gateway
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        reply = gateway._next({"path": self.path, "headers": dict(self.headers), "json": json.loads(raw)})
        time.sleep(reply.delay)
        data = reply.body.encode() if isinstance(reply.body, str) else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the client gave up (timeout tests): nothing to report


@pytest.fixture
def whatsapp_gateway(settings):
    """A real HTTP server on 127.0.0.1 playing the WhatsApp gateway, and the portal pointed at it."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gateway = FakeGateway(url=f"http://127.0.0.1:{server.server_port}/kirim")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WHATSAPP_GATEWAY_URL = server.gateway.url
    settings.WHATSAPP_GATEWAY_TOKEN = "token-uji"
    settings.WHATSAPP_GATEWAY_TIMEOUT = 5
    try:
        yield server.gateway
    finally:
        server.shutdown()
        server.server_close()

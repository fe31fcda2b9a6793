"""Local HTTP servers playing the WhatsApp providers (a plain gateway, Meta's Cloud API, Fonnte)
by their documented contracts: the notifications tests' fixtures (conftest.py) and the
separate-worker fault tests start them; bench/whatsapp.py too."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


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
            if self.replies and self.replies[0] is not None:
                return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        return self.answer(request)

    def answer(self, request: dict) -> Reply:
        """What the provider answers when no reply is scripted (the fakes below)."""
        return Reply()

    def latency(self, request: dict) -> float:
        """Seconds before answering ``request`` (fault tests slow the provider down)."""
        return self.delay_all + (self.delay_slow if _target(request) in self.slow else 0.0)

    delay_all: float = 0.0
    delay_slow: float = 0.0
    slow: set = field(default_factory=set)


def _target(request: dict) -> str:
    return (request.get("json") or {}).get("to") or (request.get("form") or {}).get("target") or ""


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway = self.server.gateway
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = {"path": self.path, "headers": dict(self.headers)}
        if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            request["form"] = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        else:
            request["json"] = json.loads(raw)
        reply = gateway._next(request)
        time.sleep(reply.delay or gateway.latency(request))
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


def serve(gateway_class, path: str):
    """Start a real HTTP server on 127.0.0.1 answering as ``gateway_class``; returns (server, gateway)."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.gateway = gateway_class(url=f"http://127.0.0.1:{server.server_port}{path}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.gateway


def stop(server) -> None:
    server.shutdown()
    server.server_close()


# --- the providers' documented contracts, played by local servers ---------------------------------

META_TOKEN = "EAAG-uji"
# Numbers the fake Meta says are not on WhatsApp.
UNDELIVERABLE = {"6281200000404"}


@dataclass
class FakeMeta(FakeGateway):
    """Meta's Cloud API: POST /{version}/{phone-number-id}/messages, Bearer token, JSON with
    messaging_product "whatsapp", to and type; answers {"messages": [{"id": "wamid..."}]} or
    {"error": {"code", "message", "error_data": {"details"}}}."""

    approved: set = field(default_factory=lambda: {"ikm_pengingat_pelatihan", "ikm_pemberitahuan", "ikm_kode_reset"})
    replies: list = field(default_factory=lambda: [None])
    count: int = 0

    @staticmethod
    def error(status, code, message, details="") -> Reply:
        return Reply(status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                        "error_data": {"messaging_product": "whatsapp", "details": details},
                                        "fbtrace_id": "Auji"}})  # fmt: skip

    def answer(self, request):
        body, headers = request.get("json") or {}, request["headers"]
        if headers.get("Authorization") != f"Bearer {META_TOKEN}":
            return self.error(401, 190, "Error validating access token")
        if not request["path"].endswith("/messages") or body.get("messaging_product") != "whatsapp":
            return self.error(400, 100, "Invalid parameter")
        if body.get("type") == "template" and body["template"]["name"] not in self.approved:
            return self.error(404, 132001, "Template name does not exist in the translation",
                              f"template name ({body['template']['name']}) does not exist in id")  # fmt: skip
        if body.get("type") == "text" and body["to"] not in self.window:
            return self.error(400, 131047, "Re-engagement message", "more than 24 hours have passed")
        if body["to"] in UNDELIVERABLE:
            return self.error(400, 131026, "Message undeliverable", "the number is not on WhatsApp")
        with self.lock:
            self.count += 1
            wamid = f"wamid.uji{self.count}"
        return Reply(200, {"messaging_product": "whatsapp", "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                           "messages": [{"id": wamid, "message_status": "accepted"}]})  # fmt: skip

    window: set = field(default_factory=set)


FONNTE_TOKEN = "fonnte-uji"


@dataclass
class FakeFonnte(FakeGateway):
    """Fonnte's send API: form POST with the device token as Authorization, target, message,
    countryCode; answers 200 with {"status": true, "detail", "id": [...]} or {"status": false, "reason"}."""

    replies: list = field(default_factory=lambda: [None])
    count: int = 0

    def answer(self, request):
        form = request.get("form") or {}
        if request["headers"].get("Authorization") != FONNTE_TOKEN:
            return Reply(200, {"reason": "invalid token", "status": False})
        if not form.get("target", "").isdigit() or form["target"] in UNDELIVERABLE:
            return Reply(200, {"reason": "target invalid", "status": False})
        with self.lock:
            self.count += 1
            number = 80000000 + self.count
        return Reply(200, {"detail": "success! message in queue", "id": [str(number)], "process": "pending",
                           "requestid": number, "status": True, "target": [form["target"]]})  # fmt: skip

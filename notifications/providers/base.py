import os
import threading

import httpx
from django.conf import settings

# One client per process, made on first use: creating an httpx.Client loads the CA bundle into a
# new SSL context (95 ms here, 15 times the request itself to a local server), and a shared
# client keeps the provider's connection alive between messages. Keyed by the process id, so a
# worker child forked after a send in its parent makes its own (a socket is not shared by forks).
_clients: dict[int, httpx.Client] = {}
_clients_lock = threading.Lock()


def http_client() -> httpx.Client:
    pid = os.getpid()
    client = _clients.get(pid)
    if client is None:
        with _clients_lock:
            client = _clients.get(pid)
            if client is None:
                _clients.clear()
                client = _clients[pid] = httpx.Client(follow_redirects=False)
    return client


class TemporaryFailure(Exception):
    """Worth retrying later (the mail server or gateway did not answer, or asked to wait)."""


class PermanentFailure(Exception):
    """Retrying would not help (the gateway refused the message): recorded as failed at once."""


class UncertainFailure(PermanentFailure):
    """The request left but no answer came back (a read timeout, a dropped connection): the
    provider may have sent it. Not retried, so nobody gets it twice; recorded as failed for
    staff to check, and a later status callback from the provider still marks it delivered."""


class Provider:
    """One WhatsApp provider. ``send`` returns the provider's message id ("" if none)."""

    name = ""

    def send(self, message) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    # --- shared HTTP -------------------------------------------------------------------------

    def post(self, url: str, **kwargs) -> httpx.Response:
        """POST with a timeout and without following redirects (a redirected POST would arrive
        as a GET without the message: a wrong URL is an error). Errors before the request left
        (refused connection, connect timeout) are temporary; after it left, uncertain."""
        if not url.lower().startswith(("http://", "https://")):
            raise PermanentFailure(f"URL {self.name} harus diawali http:// atau https://")
        timeout = settings.WHATSAPP_GATEWAY_TIMEOUT
        try:
            return http_client().post(
                url, timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), follow_redirects=False, **kwargs
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
            raise TemporaryFailure(f"{self.label()}: tidak tersambung ({error!r})") from error
        except (httpx.ReadTimeout, httpx.WriteTimeout) as error:
            raise UncertainFailure(
                f"{self.label()}: tidak menjawab dalam {timeout:g} detik (timed out); pesan mungkin sudah terkirim. "
                "Periksa dengan penerima sebelum mengirim ulang."
            ) from error
        except (httpx.RemoteProtocolError, httpx.ReadError) as error:
            raise UncertainFailure(
                f"{self.label()}: jawaban terputus ({error!r}); pesan mungkin sudah terkirim. "
                "Periksa dengan penerima sebelum mengirim ulang."
            ) from error
        except httpx.HTTPError as error:
            raise TemporaryFailure(f"{self.label()}: {error!r}") from error

    def label(self) -> str:
        return f"WhatsApp ({self.name})"

    @staticmethod
    def json(response: httpx.Response):
        try:
            return response.json()
        except ValueError:
            return None

    def http_error(self, response: httpx.Response, detail: str) -> Exception:
        """5xx, 408 and 429 are the provider asking to come back later; other refusals are final."""
        text = f"{self.label()} menjawab HTTP {response.status_code}: {detail}"[:2000]
        if response.status_code >= 500 or response.status_code in (408, 429):
            return TemporaryFailure(text)
        return PermanentFailure(text)

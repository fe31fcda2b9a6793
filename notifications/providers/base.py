import httpx
from django.conf import settings


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
            with httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)), follow_redirects=False) as client:
                return client.post(url, **kwargs)
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

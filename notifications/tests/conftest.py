"""Fixtures for the WhatsApp tests: a local provider server (fake_whatsapp.py) per test, and
the portal's settings pointed at it."""

import pytest

from .fake_whatsapp import FONNTE_TOKEN, META_TOKEN, FakeFonnte, FakeGateway, FakeMeta, serve, stop


@pytest.fixture
def whatsapp_gateway(settings):
    """A real HTTP server on 127.0.0.1 playing the WhatsApp gateway, and the portal pointed at it."""
    server, gateway = serve(FakeGateway, "/kirim")
    settings.WHATSAPP_GATEWAY_URL = gateway.url
    settings.WHATSAPP_GATEWAY_TOKEN = "token-uji"
    settings.WHATSAPP_GATEWAY_TIMEOUT = 5
    try:
        yield gateway
    finally:
        stop(server)


@pytest.fixture
def meta_api(settings):
    server, gateway = serve(FakeMeta, "/v21.0/1234567890/messages")
    settings.WHATSAPP_PROVIDER = "meta"
    settings.WHATSAPP_META_API_URL = f"http://127.0.0.1:{server.server_port}"
    settings.WHATSAPP_META_API_VERSION = "v21.0"
    settings.WHATSAPP_META_PHONE_NUMBER_ID = "1234567890"
    settings.WHATSAPP_META_TOKEN = META_TOKEN
    settings.WHATSAPP_GATEWAY_TIMEOUT = 5
    try:
        yield gateway
    finally:
        stop(server)


@pytest.fixture
def fonnte_api(settings):
    server, gateway = serve(FakeFonnte, "/send")
    settings.WHATSAPP_PROVIDER = "fonnte"
    settings.WHATSAPP_FONNTE_URL = gateway.url
    settings.WHATSAPP_FONNTE_TOKEN = FONNTE_TOKEN
    settings.WHATSAPP_GATEWAY_TIMEOUT = 5
    try:
        yield gateway
    finally:
        stop(server)

"""The test settings with the WhatsApp provider taken from the environment (the test settings
force it off), for bench/whatsapp.py's worker process."""

from payakumbuh_ikm.settings.test import *  # noqa: F403
from payakumbuh_ikm.settings.test import env

WHATSAPP_PROVIDER = env("BENCH_WHATSAPP_PROVIDER", default="")
WHATSAPP_GATEWAY_URL = env("BENCH_WHATSAPP_GATEWAY_URL", default="")
WHATSAPP_GATEWAY_TOKEN = "token-bench"
WHATSAPP_META_API_URL = env("BENCH_WHATSAPP_META_API_URL", default="http://127.0.0.1:9")
WHATSAPP_META_API_VERSION = "v21.0"
WHATSAPP_META_PHONE_NUMBER_ID = "1234567890"
WHATSAPP_META_TOKEN = "EAAG-uji"
WHATSAPP_META_APP_SECRET = "rahasia-aplikasi-bench"
WHATSAPP_FONNTE_URL = env("BENCH_WHATSAPP_FONNTE_URL", default="http://127.0.0.1:9/send")
WHATSAPP_FONNTE_TOKEN = "fonnte-uji"
WHATSAPP_FONNTE_WEBHOOK_SECRET = "rahasia-fonnte-bench"
RATELIMIT_WHATSAPP_WEBHOOK = "100000/m"

"""What the benches that serve the portal share (csv_export, public_pages, registration_rush,
soak, dashboard): their own database and Redis databases, the production settings pointed at
them, gunicorn on 127.0.0.1, and results.json.

The server runs ``payakumbuh_ikm.settings.prod`` (DEBUG off, persistent connections, whitenoise,
cached_db sessions) through ``bench.bench_settings``, which only adds a trivial view for the
floor. Plain http on loopback: the SSL redirect and HSTS are switched off through the environment
and clients send ``X-Forwarded-Proto: https`` as the TLS proxy does.
"""

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
HOST = "127.0.0.1"
SECRET_KEY = secrets.token_urlsafe(50)
NIK_KEY = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
NIK_HASH_KEY = secrets.token_urlsafe(32)


def server_base() -> str:
    return os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")


def redis_base() -> str:
    return os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")


def environment(database: str, cache_db: int, broker_db: int, static_root: str, port: int) -> dict:
    """The server's environment on ``database`` and the Redis databases ``cache_db`` and
    ``broker_db`` of BENCH_REDIS_URL."""
    return environment_urls(
        f"{server_base()}/{database}", f"{redis_base()}/{cache_db}", f"{redis_base()}/{broker_db}", static_root, port
    )


def environment_urls(database_url: str, cache_url: str, broker_url: str, static_root: str, port: int) -> dict:
    """As ``environment``, from whole URLs (``cache_url`` and ``broker_url`` are redis://)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.bench_settings",
        DATABASE_URL=database_url,
        REDIS_URL=cache_url,
        CACHE_URL=cache_url.replace("redis://", "rediscache://"),
        CELERY_BROKER_URL=broker_url,
        DJANGO_SECRET_KEY=SECRET_KEY,
        NIK_ENCRYPTION_KEYS=NIK_KEY,
        NIK_HASH_KEY=NIK_HASH_KEY,
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="False",
        DJANGO_SECURE_HSTS_SECONDS="0",
        DJANGO_STATIC_ROOT=static_root,
        DJANGO_LOG_LEVEL="WARNING",
        SITE_URL=f"https://{HOST}:{port}",
        EMAIL_URL="consolemail://",
    )
    return env


def database_recreate(database: str, drop_only: bool = False, server: str | None = None) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{server or server_base()}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{database}"')
    connection.close()


def redis_flush(*dbs: int | str) -> None:
    """Empty Redis databases: numbers of BENCH_REDIS_URL, or whole redis:// URLs."""
    import redis

    for db in dbs:
        redis.Redis.from_url(db if isinstance(db, str) else f"{redis_base()}/{db}").flushdb()


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def django_setup(env: dict) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def get(port: int, path: str, headers: dict | None = None, timeout: float = 60) -> tuple[int, bytes]:
    connection = HTTPConnection(HOST, port, timeout=timeout)
    connection.request("GET", path, headers={"X-Forwarded-Proto": "https", **(headers or {})})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def gunicorn_start(env: dict, port: int, workers: int, log: Path, *extra: str) -> subprocess.Popen:
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "payakumbuh_ikm.wsgi",
        "--workers",
        str(workers),
        "--bind",
        f"{HOST}:{port}",
        "--backlog",
        "2048",
        "--timeout",
        "300",
        *extra,
    ]
    handle = open(log, "w")  # closed with the process
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            status, _ = get(port, "/sehat/", timeout=5)
            if status in (200, 503):
                return process
        except OSError:
            pass
        time.sleep(0.2)
    gunicorn_stop(process)
    raise SystemExit(f"gunicorn did not answer on port {port}:\n{log.read_text()[-3000:]}")


def gunicorn_workers(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak since the process started) of ``pid``, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0])
    return fields


def figure(value: float, floor: float, unit: str, ratio: float, scale: str, digits: int = 1, **more) -> dict:
    return {
        "value": round(value, digits),
        "unit": unit,
        "floor": None if floor is None else round(floor, digits),
        "ratio": None if ratio is None else round(ratio, 2),
        "scale": scale,
        **more,
    }


def save(key: str, result: dict) -> None:
    existing = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    existing[key] = result
    temporary = RESULTS.with_suffix(f".{key}.tmp")
    temporary.write_text(json.dumps(existing, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(RESULTS)

# Payakumbuh IKM Recovery Portal. `make quickstart` to try it, `make test` to prove it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
LOCAL := DJANGO_SETTINGS_MODULE=payakumbuh_ikm.settings.local
# Where make quickstart and make run serve the portal: make quickstart PORT=8080
PORT ?= 8000

.PHONY: quickstart install install-dev compilemessages messages test lint fmt worker beat bench run lighthouse nik-scan soak

$(PY):
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies into .venv
install: $(PY)
	$(PIP) install -q -r requirements.txt

# Runtime and test dependencies into .venv
install-dev: $(PY)
	$(PIP) install -q -r requirements-dev.txt

# Compile the catalogues in locale/ where there are some (gettext installed if missing and possible)
compilemessages: install
	@if ls locale/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
		command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends gettext >/dev/null) || true; \
		if command -v msgfmt >/dev/null; then \
			$(LOCAL) $(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v0; \
		else echo "gettext (msgfmt) not found: catalogues not compiled, the portal speaks Indonesian only"; fi; \
	fi

# Refresh the English catalogue from the source (msgids are Indonesian), then compile
messages: install
	@command -v xgettext >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends gettext >/dev/null)
	$(LOCAL) $(PY) manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles -v0
	$(MAKE) compilemessages

# Install, migrate, load reference and demo data, serve on http://127.0.0.1:$(PORT) with a Celery
# worker and beat beside it (SQLite, broker in files under .quickstart/); Ctrl-C stops both
quickstart: compilemessages
	PORT=$(PORT) scripts/quickstart

# Serve (portal, worker and beat) without reinstalling or reseeding
run:
	PORT=$(PORT) scripts/quickstart serve

# The linters first (make lint: ruff check, ruff format --check, bandit; a finding fails the run),
# then the whole suite against real PostgreSQL and Redis (started here if stopped); the browser
# journeys' Chromium, Java and npm checkers installed by scripts/browser-deps where missing
test: install-dev compilemessages
	$(MAKE) --no-print-directory lint
	scripts/services-up
	scripts/browser-deps
	REQUIRE_TOOLS=1 $(VENV)/bin/pytest -m "not slow" -n 2
	REQUIRE_TOOLS=1 $(VENV)/bin/pytest -m slow

# Lint, check formatting, lint the templates (djLint, settings in pyproject.toml), and run bandit (make security)
lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/djlint --lint .
	$(MAKE) security

# bandit, the security linter, over the portal's code (not tests or migrations): fails on any
# finding; each one silenced in the code says why (# nosec BXXX: reason)
.PHONY: security
security: install-dev
	$(VENV)/bin/bandit -q -r accounts businesses trainings recovery notifications showcase demo payakumbuh_ikm safetext spreadsheets -x '*/tests/*,*/migrations/*'

# Format the code
fmt: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# A Celery worker: DJANGO_SETTINGS_MODULE from the environment, else the quick start's settings
worker:
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-payakumbuh_ikm.settings.local} $(VENV)/bin/celery -A payakumbuh_ikm worker -l info

# Celery beat: the periodic jobs listed in payakumbuh_ikm/celery.py (settings as for make worker)
beat:
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-payakumbuh_ikm.settings.local} $(VENV)/bin/celery -A payakumbuh_ikm beat -l info

.PHONY: backup restore
# Back up DATABASE_URL (pg_dump) and the media files into BACKUP_DIR (default backups/); docs/operations.md
backup:
	scripts/backup

# Restore a backup into an empty database: make restore FILE=backups/payakumbuh-ikm-<time>.dump
restore:
	scripts/restore "$(FILE)"

# Scan a log for 16-digit runs (NIKs): make nik-scan LOG=pytest.log (exit 1 and the lines, masked, if any)
nik-scan:
	scripts/nik-scan $(or $(LOG),-)

# Soak: SOAK_SECONDS (300) of mixed traffic from 32 clients on gunicorn + Celery; writes bench/soak.json
soak: install-dev
	scripts/services-up
	$(PY) bench/soak.py

# Benchmarks against PostgreSQL and Redis; writes BENCHMARKS.md and bench/results.json
bench: install-dev
	scripts/services-up
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null)
	$(PY) bench/run.py

# Lighthouse (mobile) on the home page, the catalogue, a session and the monthly report form,
# served by gunicorn with the production settings over demo data; prints the scores and writes
# bench/lighthouse.json (targets: performance 90, accessibility and best practices 95)
lighthouse: install-dev
	scripts/services-up
	scripts/browser-deps
	@[ -x node_modules/.bin/lighthouse ] || npm ci --no-audit --no-fund --ignore-scripts >/dev/null
	$(PY) scripts/lighthouse

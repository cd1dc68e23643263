# SafeYard: the service image. Build: docker build -t safeyard .
# Run with PostgreSQL: docker compose up (compose.yaml); see README "Deploy" and docs/OPERATIONS.md.
#
# Debian 12 (bookworm), the release the system package names below are checked against
# (tests/deploy/test_docker.py).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries (Pango, HarfBuzz) for the PDF reports, and fonts covering the
# Kazakh Cyrillic letters: the packages scripts/system-deps.sh installs on a developer machine.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fontconfig \
 && rm -rf /var/lib/apt/lists/*

# An unprivileged user owns only the data folder; the code stays read-only to it.
RUN groupadd --system safeyard \
 && useradd --system --gid safeyard --home-dir /srv/safeyard --shell /usr/sbin/nologin safeyard

WORKDIR /srv/safeyard
# Dependencies first (a layer that survives code changes), then the code. The project is
# installed in place (-e): templates, static files, checklists and migrations are read from here.
COPY pyproject.toml README.md ./
COPY app ./app
RUN pip install -e .
COPY alembic.ini ./
COPY alembic ./alembic
COPY data ./data
COPY templates ./templates
COPY static ./static
RUN mkdir -p /srv/safeyard/var && chown safeyard:safeyard /srv/safeyard/var

# SQLite in the data volume by default; compose.yaml points it at PostgreSQL.
# PROMETHEUS_MULTIPROC_DIR: the workers' metric files, summed by /metrics (emptied at start).
# WEB_CONCURRENCY: uvicorn worker processes (about one per CPU core; see docs/OPERATIONS.md).
# The connection limits `safeyard serve` applies (app/platform/server.py; the proxy's settings that go
# with them: docs/OPERATIONS.md): header and keep-alive timeouts, connections per worker.
ENV SAFEYARD_DATABASE_URL=sqlite:////srv/safeyard/var/safeyard.db \
    SAFEYARD_DATA_DIR=/srv/safeyard/var \
    SAFEYARD_LOG_FORMAT=json \
    SAFEYARD_HEADER_TIMEOUT_S=10 \
    SAFEYARD_KEEP_ALIVE_TIMEOUT_S=5 \
    SAFEYARD_MAX_CONNECTIONS=1000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/safeyard-metrics \
    WEB_CONCURRENCY=2 \
    PORT=8000

USER safeyard
VOLUME ["/srv/safeyard/var"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"

# Migrations first (a no-op when the schema is current), then the workers; exec hands the
# process over, so `docker stop` (SIGTERM) reaches uvicorn and it drains its requests.
CMD ["sh", "-c", "safeyard migrate && exec safeyard serve --host 0.0.0.0 --port \"${PORT}\" --workers \"${WEB_CONCURRENCY}\""]

# SafeYard: a first image (hardened in a later release).
FROM python:3.11-slim

# WeasyPrint's system libraries (PDF reports) and fonts that cover Kazakh letters.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
      libharfbuzz-subset0 fonts-dejavu-core fontconfig \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /srv/safeyard
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY alembic ./alembic
COPY data ./data
COPY templates ./templates
COPY static ./static
RUN pip install --no-cache-dir -e .

ENV SAFEYARD_DATABASE_URL=sqlite:////srv/safeyard/var/safeyard.db \
    SAFEYARD_DATA_DIR=/srv/safeyard/var
EXPOSE 8000
CMD ["sh", "-c", "safeyard migrate && safeyard serve --host 0.0.0.0 --port 8000"]

# Chengnuo (承诺) — one image for both the API and the Temporal worker.
#   API:    docker run … chengnuo            (default CMD: uvicorn on :8000)
#   worker: docker run … chengnuo python worker.py
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The whole build context (see .dockerignore: no .venv, data, tests, .git).
# The source tree stays in /app as well, so `python worker.py` and
# `uvicorn api.main:app` run from it (WORKDIR is on sys.path).
COPY . .

# Pango for WeasyPrint (letters as PDF); the Chinese font comes from PyPI (pylopdf-fonts-zh-cn)
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --constraint requirements.lock . \
    && groupadd --system --gid 10001 chengnuo \
    && useradd --system --uid 10001 --gid chengnuo --home-dir /app --shell /usr/sbin/nologin chengnuo \
    && mkdir -p /app/data \
    && chown chengnuo:chengnuo /app/data \
    && rm -rf build ./*.egg-info

USER 10001:10001

ENV CHENGNUO_ENV=production

EXPOSE 8000

CMD ["python", "-m", "uvicorn", "api.main:app", "--host", "0.0.0.0", "--port", "8000"]

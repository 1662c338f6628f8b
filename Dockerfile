# Trailarr: one image with ffmpeg, redis-server and a JS runtime (deno) for yt-dlp.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg redis-server \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY app ./app
COPY workers ./workers
COPY webhooks ./webhooks
COPY migrations ./migrations
COPY docker ./docker
RUN pip install --no-cache-dir -e ".[youtube]"

RUN cp docker/entrypoint.sh /entrypoint.sh
ENV TRAILARR_DATA_DIR=/config \
    PUID=1000 \
    PGID=1000
VOLUME /config
EXPOSE 7889
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:7889/health', timeout=4).status != 200)"
ENTRYPOINT ["/entrypoint.sh"]
CMD ["run"]

# Trailarr: the wheel in a virtualenv, ffmpeg, redis-server and a JS runtime (deno) for yt-dlp;
# runs as PUID:PGID. Build with scripts/image (podman); `docker build .` works too.
#
# The build machine's apt configuration and CA bundle can be lent to the build, so that apt and pip
# reach what that machine reaches (scripts/image does it): its /etc/apt bind-mounted read-only on
# /mnt (empty in every Debian base, so no mount point is left behind) and its CA bundle as the
# build secret `ca-certificates`. Both are mounts, not layers: nothing of them stays in the image.
# Without them, the base image's own apt sources and pip's own CA bundle are used.
ARG BASE=python:3.11-slim-bookworm

# The dependency list alone, so that the dependency layer is rebuilt when it changes, not the code.
FROM ${BASE} AS requirements
COPY pyproject.toml /src/
RUN python3 -c "import tomllib; p = tomllib.load(open('/src/pyproject.toml', 'rb'))['project']; \
print(*p['dependencies'], *p['optional-dependencies']['youtube'], sep='\n')" > /requirements.txt

# pip and setuptools, to build the wheel and install into /opt/trailarr; the image ships neither.
FROM ${BASE} AS pip
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export PIP_CERT=/run/secrets/ca-certificates; fi \
 && python3 -m venv /pip \
 && /pip/bin/pip install --no-cache-dir --disable-pip-version-check -q "setuptools>=68"

FROM pip AS deps
COPY --from=requirements /requirements.txt /tmp/requirements.txt
RUN --mount=type=secret,id=ca-certificates \
    if [ -s /run/secrets/ca-certificates ]; then export PIP_CERT=/run/secrets/ca-certificates; fi \
 && python3 -m venv --without-pip /opt/trailarr \
 && /pip/bin/pip --python /opt/trailarr/bin/python install --no-cache-dir \
      --disable-pip-version-check -q -r /tmp/requirements.txt

# The wheel, built offline, and installed as the files it adds to /opt/trailarr (/app is that
# prefix), so that the final image takes them in one small layer above the dependencies.
FROM deps AS app
COPY . /src
RUN /pip/bin/pip wheel --no-deps --no-build-isolation --disable-pip-version-check -q \
      -w /dist /src \
 && /pip/bin/pip --python /opt/trailarr/bin/python install --no-cache-dir \
      --disable-pip-version-check --no-deps --no-index -q --prefix /app /dist/trailarr-*.whl

FROM ${BASE}
ARG DEBIAN_FRONTEND=noninteractive
# Debian's ffmpeg links libGL (libavdevice's OpenGL output) but never opens a GL context here;
# Mesa's GLX driver would pull libLLVM, z3 and the DRI drivers (about 165 MB). An empty package
# providing libglx-mesa0 keeps the dependency satisfied without them.
RUN --mount=type=secret,id=ca-certificates \
    set -e; \
    if [ -d /mnt/apt.conf.d ] || [ -d /mnt/sources.list.d ]; then \
      printf 'Dir::Etc "/mnt/";\n' > /tmp/host-apt.conf; \
      export APT_CONFIG=/tmp/host-apt.conf; \
    fi; \
    ca=""; \
    if [ -s /run/secrets/ca-certificates ]; then \
      ca="-o Acquire::https::CaInfo=/run/secrets/ca-certificates"; \
    fi; \
    mkdir -p /tmp/no-mesa/DEBIAN; \
    printf '%s\n' 'Package: trailarr-no-mesa-glx' 'Version: 1' 'Architecture: all' \
      'Maintainer: Trailarr <trailarr@localhost>' 'Provides: libglx-mesa0' \
      'Description: no GLX driver: ffmpeg never opens a GL context' \
      > /tmp/no-mesa/DEBIAN/control; \
    dpkg-deb --build /tmp/no-mesa /tmp/no-mesa.deb > /dev/null; \
    dpkg -i /tmp/no-mesa.deb > /dev/null; \
    apt-get $ca update -qq; \
    apt-get $ca install -y -qq --no-install-recommends \
      ffmpeg redis-server tini ca-certificates > /dev/null; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/* /tmp/* /var/log/apt /var/log/dpkg.log

COPY --from=deps /opt/trailarr /opt/trailarr
# Only this layer changes with the code.
COPY --from=app /app/ /opt/trailarr/
COPY docker/entrypoint.sh /usr/local/bin/trailarr-entrypoint
COPY docker/healthcheck.py /usr/local/bin/trailarr-healthcheck

# HOME is /config, as in the linuxserver.io images: yt-dlp's and deno's caches live there, owned
# by PUID:PGID like the rest of /config.
ENV PATH=/opt/trailarr/bin:$PATH \
    TRAILARR_DATA_DIR=/config \
    HOME=/config \
    PUID=1000 \
    PGID=1000 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
VOLUME /config
EXPOSE 7889
# The port comes from TRAILARR_SERVER__PORT or config.toml, as the app reads it.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["trailarr-healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "trailarr-entrypoint"]
CMD ["run"]

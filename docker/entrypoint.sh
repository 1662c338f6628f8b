#!/bin/sh
# Run trailarr as PUID:PGID (default 1000:1000), owning /config, like the linuxserver.io images.
set -eu
PUID="${PUID:-1000}"
PGID="${PGID:-1000}"
umask "${UMASK:-022}"
if [ "$(id -u)" = "0" ] && [ "$PUID" != "0" ]; then
  for dir in "$TRAILARR_DATA_DIR" "$HOME"; do
    mkdir -p "$dir"
    # Recursive, touching only what is not PUID:PGID yet: a restart with another PUID finds
    # /config/redis, the database and the caches left by the previous one.
    find "$dir" -xdev \( ! -user "$PUID" -o ! -group "$PGID" \) \
      -exec chown -h "$PUID:$PGID" {} +
  done
  exec setpriv --reuid="$PUID" --regid="$PGID" --clear-groups -- trailarr "$@"
fi
exec trailarr "$@"

#!/bin/sh
# Run trailarr as PUID:PGID (default 1000:1000), owning /config, like the linuxserver.io images.
set -e
PUID="${PUID:-1000}"
PGID="${PGID:-1000}"
if [ "$(id -u)" = "0" ]; then
  mkdir -p "$TRAILARR_DATA_DIR"
  chown "$PUID:$PGID" "$TRAILARR_DATA_DIR"
  exec setpriv --reuid="$PUID" --regid="$PGID" --clear-groups -- trailarr "$@"
fi
exec trailarr "$@"

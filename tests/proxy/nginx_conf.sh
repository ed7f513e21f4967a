#!/usr/bin/env bash
# Writes DIR/nginx.conf from tests/proxy/nginx.conf.template and prepares DIR for it (temporary
# files, cache, logs and pid file all live in DIR). Used by tests/proxy/run.sh and bench/persisted.py.
# Usage: tests/proxy/nginx_conf.sh DIR LISTEN_ADDR UPSTREAM_ADDR
# Then: nginx -e stderr -p DIR -c DIR/nginx.conf -g 'daemon off;'
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -eq 3 ] || { echo "usage: $0 DIR LISTEN_ADDR UPSTREAM_ADDR" >&2; exit 2; }
dir="$1"
listen="$2"
upstream="$3"
mkdir -p "$dir/temp"
dir="$(cd "$dir" && pwd)"
chmod 755 "$dir" "$dir/temp"
user=""
if [ "$(id -u)" = 0 ]; then
  # Started as root, the master runs its workers as an unprivileged user; they write the cache and
  # temporary files under DIR (nginx creates those folders for them), so they must reach DIR.
  group="$(id -gn nobody)"
  user="user nobody $group;"
  path="$dir"
  while [ "$path" != / ]; do
    path="$(dirname "$path")"
    if [ $(( 0$(stat -c %a "$path") & 1 )) -eq 0 ]; then
      echo "nginx's workers (user nobody) cannot reach $dir: $path is not searchable by others (chmod o+x)" >&2
      exit 1
    fi
  done
fi
sed -e "s|@DIR@|$dir|g" -e "s|@LISTEN@|$listen|g" -e "s|@UPSTREAM@|$upstream|g" -e "s|@USER@|$user|g" \
  "$here/nginx.conf.template" >"$dir/nginx.conf"

#!/usr/bin/env bash
# Makes sure an nginx binary is there: when none is found, installs Debian's nginx-light (or nginx)
# with apt-get, as root, without letting the package start the system's nginx on port 80. The
# tests start their own nginx on a free loopback port (tests/proxy/run.sh, bench/persisted.py).
# Prints the path of the nginx binary on stdout.
set -euo pipefail

find_nginx() {
  command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; } || true
}
# listening PORT: whether something accepts connections on 127.0.0.1:PORT
listening() {
  python3 - "$1" <<'PY'
import socket, sys
with socket.socket() as s:
    s.settimeout(1)
    sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)
PY
}

nginx="$(find_nginx)"
if [ -n "$nginx" ]; then
  echo "$nginx"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "nginx is needed (Debian: apt-get install nginx-light)" >&2
  exit 1
fi

busy_before=""
if listening 80; then
  busy_before=1
fi
# Debian's maintainer scripts start services through invoke-rc.d / deb-systemd-invoke, which ask
# policy-rc.d first: exit 101 means "do not start". Only a file created here is removed again.
policy=/usr/sbin/policy-rc.d
created_policy=""
remove_policy() {
  if [ -n "$created_policy" ]; then
    rm -f "$policy"
  fi
}
trap remove_policy EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# temporary: keeps apt from starting services while tests install nginx\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt_install() {
  apt-get install -y -qq --no-install-recommends "$1" </dev/null >/dev/null
}
echo "-- installing nginx from Debian (apt-get)" >&2
if ! apt_install nginx-light; then
  apt-get update -qq </dev/null >/dev/null
  apt_install nginx-light || apt_install nginx
fi
remove_policy
created_policy=""

# The package enables its service for the next boot; this machine only needs the binary.
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
  systemctl disable --now nginx.service >/dev/null 2>&1 || true
fi
if [ -z "$busy_before" ] && listening 80; then
  echo "port 80 is taken after installing nginx; stopping the system's nginx" >&2
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl stop nginx.service || true
  fi
  if [ -s /run/nginx.pid ]; then
    kill -QUIT "$(cat /run/nginx.pid)" 2>/dev/null || true
  fi
  for _ in $(seq 1 50); do
    listening 80 || break
    sleep 0.1
  done
  if listening 80; then
    echo "something still listens on port 80 after installing nginx" >&2
    exit 1
  fi
fi

nginx="$(find_nginx)"
if [ -z "$nginx" ]; then
  echo "nginx was installed but is not found" >&2
  exit 1
fi
echo "-- $("$nginx" -v 2>&1)" >&2
echo "$nginx"

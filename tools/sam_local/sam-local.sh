#!/usr/bin/env bash
# `make sam-local`: every events/ file through `sam local invoke` in a Lambda-shaped container, each
# checked against `lockgate invoke` of the same event (tools/sam_local/compare.py).
#
# 1. installs what is missing (apt: docker.io; mmdebstrap only when the image must be built);
# 2. starts dockerd in the background when no daemon answers (pid in .sam-local/dockerd.pid,
#    stopped on exit, failure included); a daemon it did not start is used and left alone;
# 3. builds offline a stand-in for public.ecr.aws/lambda/python:3.13-x86_64 (a Debian trixie
#    rootfs with CPython 3.13, awslambdaric and boto3 from PyPI, the AWS image's layout, env and
#    entrypoint), cached: rebuilt only when tools/sam_local/image.env or image/ change;
# 4. `sam build` (skipped when .aws-sam/build is newer than every input: `make test` just built it),
#    then compare.py: per events/ file a fresh seeded `lockgate up` bound for the container,
#    `sam local invoke --skip-pull-image` against it, and `lockgate invoke` at the same time;
#    LOCKGATE_SAM_LOCAL_JOBS (default 2) event files at once. Arguments: event files (default all).
# Idempotent: safe to re-run after an interrupted run (partial rootfs, stale pid files).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$REPO/tools/sam_local"
BIN="$REPO/.venv/bin"
STATE="$REPO/.sam-local"
CACHE="${LOCKGATE_SAM_LOCAL_CACHE:-${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/lockgate-sam-local}"
LABEL=org.lockgate.sam-local.inputs
# shellcheck source=image.env
source "$HERE/image.env"

DOCKERD_PID=""
WORK=""

say() { printf 'sam-local: %s\n' "$*" >&2; }
die() {
  say "FAILED: $*"
  exit 1
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [ -n "$WORK" ] && rm -rf "$WORK"
  if [ -n "$DOCKERD_PID" ]; then
    say "stopping the dockerd it started (pid $DOCKERD_PID)"
    kill "$DOCKERD_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 0.5; done
    rm -f "$STATE/dockerd.pid"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

is_root() { [ "$(id -u)" = 0 ]; }

apt_install() {
  command -v apt-get >/dev/null || die "$* missing and no apt-get here: install it (Docker: docs.docker.com/engine/install)"
  is_root || die "$* missing and installing it needs root (apt-get install $*)"
  say "installing $* (apt)"
  mkdir -p "$STATE"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >"$STATE/apt.log" 2>&1 || {
    tail -n 5 "$STATE/apt.log" >&2
    die "apt-get install $* failed (log .sam-local/apt.log)"
  }
}

docker_answers() { docker info >/dev/null 2>&1; }

start_docker() {
  command -v dockerd >/dev/null || apt_install docker.io
  command -v docker >/dev/null || apt_install docker.io
  mkdir -p "$STATE"
  # A dockerd a previous, interrupted run started: adopt it, so this run stops it.
  local old
  old=$(cat "$STATE/dockerd.pid" 2>/dev/null || true)
  if [ -n "$old" ] && [ "$(cat "/proc/$old/comm" 2>/dev/null)" = dockerd ]; then
    DOCKERD_PID=$old
    say "adopting dockerd pid $old left by an interrupted run"
  fi
  if docker_answers; then
    [ -n "$DOCKERD_PID" ] || say "using the running Docker daemon"
    return
  fi
  is_root || die "no Docker daemon answers and starting dockerd needs root"
  # dockerd refuses to start over a pid file whose process is gone.
  local stale
  stale=$(cat /var/run/docker.pid 2>/dev/null || true)
  if [ -n "$stale" ] && ! kill -0 "$stale" 2>/dev/null; then rm -f /var/run/docker.pid; fi
  dockerd >"$STATE/dockerd.log" 2>&1 &
  DOCKERD_PID=$!
  echo "$DOCKERD_PID" >"$STATE/dockerd.pid"
  for _ in $(seq 1 120); do
    docker_answers && {
      say "started dockerd (pid $DOCKERD_PID, log .sam-local/dockerd.log)"
      return
    }
    kill -0 "$DOCKERD_PID" 2>/dev/null || break
    sleep 0.5
  done
  local why
  why=$(grep -iE 'level=(fatal|error)|failed' "$STATE/dockerd.log" | tail -n 1 || true)
  die "the Docker daemon could not start: ${why:-$(tail -n 1 "$STATE/dockerd.log")}"
}

debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $2 ~ /^http/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${LOCKGATE_DEBIAN_MIRROR:-${uri:-http://deb.debian.org/debian}}"
}

rie_binary() { echo "$("$BIN/python" -c 'import samcli, pathlib; print(pathlib.Path(samcli.__file__).parent)')/local/rapid/aws-lambda-rie-x86_64"; }

inputs_hash() {
  { cat "$HERE/image.env" "$HERE"/image/*; sha256sum <"$(rie_binary)"; } | sha256sum | cut -c1-16
}

# The Debian rootfs (the slow part, ~1 min): cached by suite, variant and packages.
rootfs_tarball() {
  local key tarball partial
  key=$(printf '%s|%s|%s' "$SUITE" "$VARIANT" "$PACKAGES" | sha256sum | cut -c1-16)
  tarball="$CACHE/rootfs-$SUITE-$key.tar"
  if [ ! -s "$tarball" ]; then
    command -v mmdebstrap >/dev/null || apt_install mmdebstrap
    # bookworm's keyring carries trixie's keys from 2023.3+deb12u1 on
    [ -e "/usr/share/keyrings/debian-archive-$SUITE-stable.gpg" ] || apt_install debian-archive-keyring
    is_root || die "building the rootfs needs root (mmdebstrap)"
    mkdir -p "$CACHE"
    rm -f "$CACHE"/partial-*.tar "$CACHE"/rootfs-*.tar # an interrupted run's leftovers, older inputs
    partial="$CACHE/partial-$key.tar"
    say "bootstrapping Debian $SUITE ($VARIANT + $PACKAGES) from $(debian_mirror)"
    mmdebstrap --quiet --variant="$VARIANT" --include="$PACKAGES" --aptopt='Acquire::Retries "3"' \
      "$SUITE" "$partial" "$(debian_mirror)" >&2 || die "mmdebstrap $SUITE failed"
    mv "$partial" "$tarball"
  fi
  echo "$tarball"
}

pip_into() { # target, requirement...
  local target=$1
  shift
  # pip's resolver warns about the venv's own packages (not the target's): show its output on failure only.
  "$BIN/python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$target" --platform manylinux2014_x86_64 --implementation cp --python-version 3.13 \
    --only-binary=:all: "$@" >"$WORK/pip.log" 2>&1 || {
    grep -v '^WARNING: Location' "$WORK/pip.log" >&2
    die "pip install $* failed"
  }
}

build_image() {
  local hash=$1 rootfs root old
  rootfs=$(rootfs_tarball)
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/sam-local-image.XXXXXX")
  root="$WORK/root"
  mkdir -p "$root"
  tar -C "$root" --numeric-owner -xf "$rootfs"
  [ -x "$root/usr/bin/python3.13" ] || die "the $SUITE rootfs has no /usr/bin/python3.13"
  # The AWS image's layout: /var/lang (the Python), /var/runtime (the runtime client), /var/task
  # (the function), /opt (layers), the RIE at /usr/local/bin and /lambda-entrypoint.sh.
  mkdir -p "$root"/var/{task,runtime} "$root/opt" "$root/var/lang/bin" \
    "$root/var/lang/lib/python3.13/site-packages" "$root/usr/local/bin"
  ln -sf /usr/bin/python3.13 "$root/var/lang/bin/python3.13"
  ln -sf python3.13 "$root/var/lang/bin/python3"
  ln -sf python3.13 "$root/var/lang/bin/python"
  printf 'home = /usr/bin\ninclude-system-site-packages = false\n' >"$root/var/lang/pyvenv.cfg"
  install -m 0755 "$HERE/image/lambda-entrypoint.sh" "$root/lambda-entrypoint.sh"
  install -m 0755 "$HERE/image/bootstrap" "$root/var/runtime/bootstrap"
  install -m 0644 "$HERE/image/bootstrap.py" "$root/var/runtime/bootstrap.py"
  install -m 0755 "$(rie_binary)" "$root/usr/local/bin/aws-lambda-rie"
  say "pip: awslambdaric==$AWSLAMBDARIC_VERSION -> /var/runtime, boto3==$BOTO3_VERSION -> /var/lang"
  pip_into "$root/var/runtime" "awslambdaric==$AWSLAMBDARIC_VERSION"
  pip_into "$root/var/lang/lib/python3.13/site-packages" "boto3==$BOTO3_VERSION"
  old=$(docker image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  say "importing $IMAGE"
  tar -C "$root" --numeric-owner -cf - . | docker import \
    --change 'ENV LANG=en_US.UTF-8' \
    --change 'ENV TZ=:/etc/localtime' \
    --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin' \
    --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
    --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
    --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
    --change 'WORKDIR /var/task' \
    --change 'ENTRYPOINT ["/lambda-entrypoint.sh"]' \
    --change "LABEL $LABEL=$hash" \
    - "$IMAGE" >/dev/null || die "docker import failed"
  rm -rf "$WORK"
  WORK=""
  if [ -n "$old" ] && [ "$old" != "$(docker image inspect -f '{{.Id}}' "$IMAGE")" ]; then
    docker image rm "$old" >/dev/null 2>&1 || true # the previous build, now untagged
  fi
}

check_image() {
  local report
  report=$(docker run --rm -e PYTHONPATH=/var/runtime --entrypoint /var/lang/bin/python3 "$IMAGE" -c '
import sys, boto3, awslambdaric.bootstrap
assert sys.version_info[:2] == (3, 13), sys.version
assert sys.getfilesystemencoding() == "utf-8"
print(f"CPython {sys.version.split()[0]}, boto3 {boto3.__version__}, {sys.prefix}")') ||
    die "the image does not run CPython 3.13 with boto3 and awslambdaric"
  say "image: $report, $(docker image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%.0f MB", $1/1e6}')"
}

ensure_image() {
  local hash current began
  hash=$(inputs_hash)
  current=$(docker image inspect -f "{{ index .Config.Labels \"$LABEL\" }}" "$IMAGE" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then
    say "$IMAGE is up to date (inputs $hash)"
  else
    began=$(date +%s)
    build_image "$hash"
    say "built $IMAGE in $(($(date +%s) - began)) s (inputs $hash)"
  fi
  check_image
}

is_ipv4() { [[ $1 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]]; }

# The host's address as containers see it (host.docker.internal), found the way each Docker version
# answers, first that works: (1) `host-gateway`, resolved by the daemon itself (Docker 20.10+), read
# back from a container's /etc/hosts; (2) the address of the docker0 interface; (3) the bridge
# network's IPAM gateway, asked again for a while (a daemon on its first start may not have it yet:
# seen on Debian 12's docker.io 20.10.24). Never empty: one line naming what was tried otherwise.
host_address() {
  local tried=() address
  address=$(docker run --rm --add-host "lockgate-probe:host-gateway" --entrypoint /bin/sh "$IMAGE" \
    -c 'while read -r ip name _; do [ "$name" = lockgate-probe ] && echo "$ip"; done </etc/hosts' \
    2>/dev/null | head -n 1 || true)
  if is_ipv4 "$address"; then say "host address for containers: $address (host-gateway)"; echo "$address"; return; fi
  tried+=("host-gateway: ${address:-no answer}")
  address=$(ip -4 -o addr show docker0 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}' || true)
  if is_ipv4 "$address"; then say "host address for containers: $address (docker0)"; echo "$address"; return; fi
  tried+=("docker0: ${address:-no IPv4 address}")
  for _ in $(seq 1 20); do
    address=$(docker network inspect bridge -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' 2>/dev/null |
      awk '{print $1}' || true)
    is_ipv4 "$address" && break
    sleep 0.5
  done
  if is_ipv4 "$address"; then say "host address for containers: $address (bridge gateway)"; echo "$address"; return; fi
  tried+=("bridge network gateway: ${address:-empty after 10 s}")
  local IFS=';'
  die "no host address for containers (tried ${tried[*]}); check \`docker network inspect bridge\` and the docker0 interface"
}

# .aws-sam/build is current when no input of `sam build` (bytecode aside) is newer than its template.
build_is_current() {
  local built="$REPO/.aws-sam/build/template.yaml"
  [ -f "$built" ] || return 1
  [ -z "$(cd "$REPO" && find template.yaml samconfig.toml functions src layer statemachines \
    -name __pycache__ -prune -o -newer "$built" -print -quit 2>/dev/null)" ]
}

main() {
  [ -x "$BIN/sam" ] || die "no .venv: run \`make .venv/.installed-stamp\` first"
  start_docker
  ensure_image
  if build_is_current; then
    say "sam build: .aws-sam/build is newer than its inputs, not rebuilt"
  else
    say "sam build"
    (cd "$REPO" && PATH="$BIN:$PATH" SAM_CLI_TELEMETRY=0 "$BIN/sam" build --parallel >&2) || die "sam build failed"
  fi
  local gateway
  gateway=$(host_address)
  "$BIN/python" "$HERE/compare.py" --repo "$REPO" --out "$STATE" --jobs "${LOCKGATE_SAM_LOCAL_JOBS:-2}" \
    --gateway "$gateway" "$@"
}

main "$@"; exit  # one line: bash has read it whole before running it (safe to edit the file meanwhile)

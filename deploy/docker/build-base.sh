#!/usr/bin/env bash
# Builds Ocean's runtime image ocean-sail:VERSION from this clone.
#
#   deploy/docker/build-base.sh                 FROM debian:bookworm-slim (from your image registry)
#   deploy/docker/build-base.sh --debootstrap   FROM a Debian rootfs made here with debootstrap
#                                               (no image registry needed; needs root and a Debian mirror)
#
# Ocean and its dependencies go in as wheels (`ocean wheel --deps --python-version 3.11`: for the
# image's Python, whichever Python or OS runs this script), so the image build itself reaches no
# package index. OCEAN=path/to/ocean picks the ocean command (default .venv/bin/ocean);
# OCEAN_WHEELS=DIR uses wheels built already (for Python 3.11) instead of building them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
ocean=${OCEAN:-$repo/.venv/bin/ocean}
version=$("$ocean" version --short)
base=debian:bookworm-slim
image_python=3.11   # Debian bookworm's python3, which the Dockerfile's venv is made with

if [ "${1:-}" = "--debootstrap" ]; then
  base=ocean-debian:bookworm
  if ! docker image inspect "$base" >/dev/null 2>&1; then
    "$here/debian-rootfs.sh" "$base"
  fi
fi

rm -rf "$here/wheels"
if [ -n "${OCEAN_WHEELS:-}" ]; then
  cp -r "$OCEAN_WHEELS" "$here/wheels"   # wheels already built (ocean wheel --deps + setuptools, wheel)
else
  "$ocean" wheel --deps --python-version "$image_python" "$here/wheels" >/dev/null
  "$(dirname "$ocean")/python" -m pip wheel --quiet --wheel-dir "$here/wheels" setuptools wheel
fi
DOCKER_BUILDKIT=0 docker build --quiet --network host --build-arg "DEBIAN_IMAGE=$base" -t "ocean-sail:$version" "$here" >/dev/null
echo "ocean-sail:$version"

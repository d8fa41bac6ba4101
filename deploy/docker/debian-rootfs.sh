#!/usr/bin/env bash
# Makes a minimal Debian image without any image registry: debootstrap --variant=minbase with
# Python and tini, imported into docker as IMAGE (default ocean-debian:bookworm).
#
# The rootfs tarball is kept in ${XDG_CACHE_HOME:-~/.cache}/ocean-deploy so a later run (or a
# docker daemon with an empty store) imports it in seconds instead of bootstrapping again.
set -euo pipefail
image=${1:-ocean-debian:bookworm}
suite=bookworm
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
packages=python3,python3-venv,tini,ca-certificates
cache=${XDG_CACHE_HOME:-$HOME/.cache}/ocean-deploy
tarball="$cache/debian-$suite-minbase-$(echo "$packages" | md5sum | cut -c1-8).tar"

if [ ! -s "$tarball" ]; then
  mkdir -p "$cache"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >/dev/null
  # What an image never needs: downloaded packages, package lists, documentation.
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  tar -C "$rootfs" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi
docker import --change 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null
echo "$image"

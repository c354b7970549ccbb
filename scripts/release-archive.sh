#!/usr/bin/env bash
# Builds a release archive for one target in the layout cargo-dist publishes:
#   smile-sec-<target>.tar.gz holding smile-sec-<target>/{smile-sec, README.md, CHANGELOG.md,
#   LICENSE-MIT, LICENSE-APACHE, completions/, man/}, and smile-sec-<target>.tar.gz.sha256.
# Releases themselves are built by cargo-dist (dist-workspace.toml); this script makes the same
# archive from a binary at hand, so the GitHub action can be tested against a local "release".
#
# usage: scripts/release-archive.sh [--binary PATH] [--target TRIPLE] [--out DIR]
#   --binary  the smile-sec binary to pack (default: cargo build --release, then target/release/smile-sec)
#   --target  the target triple in the archive's name (default: the host's, from rustc -vV)
#   --out     where to write the archive and its .sha256 (default: target/dist)
# Prints the archive's path. Reproducible with GNU tar: same inputs, same bytes.
set -euo pipefail
cd "$(dirname "$0")/.."

binary='' target='' out=target/dist
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=${2:?--binary needs a path}; shift ;;
    --target) target=${2:?--target needs a triple}; shift ;;
    --out) out=${2:?--out needs a folder}; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "release-archive.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$target" ]; then
  target=$(rustc -vV | sed -n 's/^host: //p')
fi
if [ -z "$binary" ]; then
  cargo build --release --quiet
  binary=target/release/smile-sec
fi
[ -x "$binary" ] || { echo "release-archive.sh: $binary is not an executable" >&2; exit 2; }

name="smile-sec-${target}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "${stage}/${name}" "$out"
install -m 755 "$binary" "${stage}/${name}/smile-sec"
install -m 644 README.md CHANGELOG.md LICENSE-MIT LICENSE-APACHE "${stage}/${name}/"
cp -R completions man "${stage}/${name}/"
chmod -R u=rwX,go=rX "${stage}/${name}"

archive="${out}/${name}.tar.gz"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -C "$stage" -cf - "$name" | gzip -n >"$archive"
(cd "$out" && sha256sum "${name}.tar.gz" >"${name}.tar.gz.sha256")
echo "$archive"

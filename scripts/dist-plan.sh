#!/usr/bin/env bash
# Shows what a release tag would build: cargo-dist's `dist plan` (every target's archive, its
# contents and checksum, the shell installer), and checks that the committed release workflow
# (.github/workflows/release.yml) is what this dist version generates.
#
# dist needs the repository's URL for GitHub releases, and Cargo.toml leaves `repository` unset
# until the project's home is decided (docs/ci.md). So the plan runs on a scratch copy of the
# working tree whose Cargo.toml names $SMILE_SEC_REPOSITORY (default: a placeholder); nothing in
# the repository is changed.
#
# usage: scripts/dist-plan.sh [dist plan options, e.g. --output-format=json]
# Needs dist at the version dist-workspace.toml names:
#   cargo install cargo-dist --locked --version <that version>
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(sed -n 's/^cargo-dist-version = "\(.*\)"/\1/p' dist-workspace.toml)
if ! command -v dist >/dev/null; then
  echo "dist-plan.sh: dist is not installed; cargo install cargo-dist --locked --version $want" >&2
  exit 2
fi
have=$(dist --version | awk '{print $2}')
if [ "$have" != "$want" ]; then
  echo "dist-plan.sh: dist $have is installed, dist-workspace.toml names $want" >&2
  exit 2
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The files git would commit (tracked, and new ones not ignored), as they are now.
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$scratch"
repository=${SMILE_SEC_REPOSITORY:-https://github.com/OWNER/smile-sec}
sed -i "0,/^\[package\]\$/s||[package]\nrepository = \"$repository\"|" "$scratch/Cargo.toml"
cd "$scratch"
dist plan "$@"

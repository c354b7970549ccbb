#!/usr/bin/env bash
# The GitHub Action's logic (action.yml runs this, its inputs in INPUT_* variables): download the
# pinned release archive for this runner, refuse it unless its SHA-256 is the pinned one, then run
# `smile-sec audit --format github` (annotations), optionally `verify` on a folder and a SARIF file.
#
# Inputs (environment): INPUT_VERSION, INPUT_SHA256 (required); INPUT_KEY_FILE (default
# smile-keys.json), INPUT_FAIL_ON (fail|warn), INPUT_VERIFY_PATH, INPUT_SARIF_FILE,
# INPUT_DOWNLOAD_BASE (default https://github.com/$ACTION_REPOSITORY/releases/download).
# From the runner: RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH,
# GITHUB_STEP_SUMMARY. tests/cli/action.rs runs it with a locally built archive.
#
# Exit: 0 all passed; 1 a check failed; 2 a bad input, a failed download or a checksum mismatch
# (the archive is then never unpacked or run).
set -euo pipefail

annotate() { # level message: a workflow command, its message escaped as GitHub's toolkit does
  local text=${2//%/%25}
  text=${text//$'\r'/%0D}
  printf '::%s title=smile-sec action::%s\n' "$1" "${text//$'\n'/%0A}"
}

fail() { # message: an error annotation, then exit 2
  annotate error "$1"
  exit 2
}

md_code() { # text: a Markdown code span for a table cell, as smile-sec's own job summary writes one
  local text=${1//[[:cntrl:]]/ } longest=0 run=0 i fence pad=
  for ((i = 0; i < ${#text}; i++)); do
    if [ "${text:i:1}" = '`' ]; then run=$((run + 1)); else run=0; fi
    if [ "$run" -gt "$longest" ]; then longest=$run; fi
  done
  fence=$(printf "%$((longest + 1))s" '' | tr ' ' '`')
  case $text in [\`\ ]* | *[\`\ ]) pad=' ' ;; esac
  printf '%s%s%s%s%s' "$fence" "$pad" "${text//|/\\|}" "$pad" "$fence"
}

version=${INPUT_VERSION:-}
sha256=${INPUT_SHA256:-}
key_file=${INPUT_KEY_FILE:-smile-keys.json}
fail_on=${INPUT_FAIL_ON:-fail}
verify_path=${INPUT_VERIFY_PATH:-}
sarif_file=${INPUT_SARIF_FILE:-}
base=${INPUT_DOWNLOAD_BASE:-}

[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
  fail "input 'version' must be a release version such as 0.1.0, got '${version}'"
sha256=$(printf '%s' "$sha256" | tr 'A-F' 'a-f')
[[ $sha256 =~ ^[0-9a-f]{64}$ ]] ||
  fail "input 'sha256' must be the 64 hex digits of the archive's SHA-256 (from the release's .sha256 file)"
[[ $fail_on == fail || $fail_on == warn ]] || fail "input 'fail-on' must be 'fail' or 'warn', got '${fail_on}'"
[ -n "${RUNNER_TEMP:-}" ] || fail "RUNNER_TEMP is not set: run this as a GitHub Actions step"

case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  *) fail "no release archive for runner ${RUNNER_OS:-?}/${RUNNER_ARCH:-?} (Linux and macOS, X64 and ARM64)" ;;
esac

# The download's address is printed and named in errors: no line break may start a workflow
# command of its own there.
[[ $base != *[[:cntrl:]]* ]] || fail "input 'download-base' holds a control character"
if [ -z "$base" ]; then
  [ -n "${ACTION_REPOSITORY:-}" ] || fail "cannot tell which repository's releases to download: set 'download-base'"
  base="https://github.com/${ACTION_REPOSITORY}/releases/download"
fi
archive_name="smile-sec-${target}.tar.gz"
url="${base%/}/v${version}/${archive_name}"
work="${RUNNER_TEMP}/smile-sec-${version}"
rm -rf "$work"
mkdir -p "$work"

echo "Downloading ${url}"
curl --fail --silent --show-error --location --retry 3 --output "${work}/${archive_name}" "$url" ||
  fail "could not download ${url}"

if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "${work}/${archive_name}" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "${work}/${archive_name}" | cut -d' ' -f1)
fi
if [ "$actual" != "$sha256" ]; then
  rm -f "${work}/${archive_name}"
  fail "checksum mismatch for ${archive_name}: expected ${sha256}, got ${actual}; the archive was not unpacked or run"
fi
echo "Checksum OK: ${archive_name} ${actual}"

tar -xzf "${work}/${archive_name}" -C "$work"
bin_dir="${work}/smile-sec-${target}"
smile_sec="${bin_dir}/smile-sec"
[ -x "$smile_sec" ] || fail "${archive_name} has no smile-sec-${target}/smile-sec"
reported=$("$smile_sec" --version)
[ "$reported" = "smile-sec ${version}" ] ||
  fail "the archive's binary reports '${reported}', not smile-sec ${version}"
echo "$bin_dir" >>"${GITHUB_PATH:-/dev/null}"

# Each check runs even when an earlier one failed; the step's exit is the worst status.
# `--keys=FILE` and `--` keep a name that starts with `-` a name.
set +e
"$smile_sec" audit --keys="$key_file" --format github --fail-on "$fail_on"
audit_exit=$?
verify_exit=
if [ -n "$verify_path" ]; then
  "$smile_sec" verify --keys="$key_file" -- "$verify_path"
  verify_exit=$?
fi
sarif_exit=
if [ -n "$sarif_file" ]; then
  if ! { : >"$sarif_file"; } 2>/dev/null; then
    annotate error "cannot write the SARIF file '${sarif_file}' (does its folder exist?)"
    sarif_exit=2
  else
    # The audit above already wrote the job summary and its warnings: the SARIF run adds neither,
    # and its stderr is shown only when it failed (exit 2: the SARIF file is not to be trusted).
    env -u GITHUB_STEP_SUMMARY "$smile_sec" audit --keys="$key_file" --format sarif \
      --fail-on "$fail_on" >"$sarif_file" 2>"${work}/sarif.stderr"
    sarif_exit=$?
    if [ "$sarif_exit" -gt 1 ]; then cat "${work}/sarif.stderr" >&2; fi
  fi
fi
set -e

{
  echo "audit-exit=${audit_exit}"
  echo "verify-exit=${verify_exit}"
  echo "bin=${bin_dir}"
} >>"${GITHUB_OUTPUT:-/dev/null}"

verdict() { case "$1" in 0) echo "pass" ;; 1) echo "**fail**" ;; '') echo "not run" ;; *) echo "**error** (exit $1)" ;; esac; }
{
  echo "### smile-sec ${version}"
  echo
  echo "| check | result |"
  echo "|---|---|"
  echo "| archive \`${archive_name}\` | SHA-256 matches the pinned one |"
  echo "| $(md_code "audit --keys ${key_file} --fail-on ${fail_on}") | $(verdict "$audit_exit") |"
  [ -z "$verify_path" ] || echo "| $(md_code "verify ${verify_path}") | $(verdict "$verify_exit") |"
  [ -z "$sarif_file" ] || echo "| SARIF written to $(md_code "$sarif_file") | $([ "$sarif_exit" -gt 1 ] && echo "**error**" || echo "yes") |"
} >>"${GITHUB_STEP_SUMMARY:-/dev/null}"

worst=$audit_exit
if [ "${verify_exit:-0}" -gt "$worst" ]; then worst=$verify_exit; fi
if [ "${sarif_exit:-0}" -gt 1 ]; then worst=2; fi
exit "$worst"

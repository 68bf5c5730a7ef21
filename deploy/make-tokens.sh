#!/usr/bin/env bash
# Makes a tokens file for a ledger cluster: one random token each for operator, occ and risk, and
# one per participant named on the command line.
#
#   deploy/make-tokens.sh OUT_DIR [PARTICIPANT ...]      e.g. deploy/make-tokens.sh deploy/secrets 0001 0002
#
# OUT_DIR/tokens.json  what the nodes read (--tokens / LEDGER_TOKENS): SHA-256 hashes only, no
#                      token, so it may be readable by the container's user (mode 644).
# OUT_DIR/tokens.txt   the tokens themselves, role by role (mode 600): hand them out, then delete it.
set -euo pipefail

if [ $# -lt 1 ]; then
  sed -n '2,10p' "$0" >&2
  exit 64
fi
out=$1
shift
for participant in "$@"; do
  if ! [[ $participant =~ ^[0-9]{4}$ ]]; then
    echo "participant '$participant' must be four digits" >&2
    exit 64
  fi
done
if [ -e "$out/tokens.json" ] || [ -e "$out/tokens.txt" ]; then
  echo "$out already holds tokens.json or tokens.txt; move them away first" >&2
  exit 1
fi

mkdir -p "$out"
umask 077
# 32 random bytes, URL-safe base64 without padding: 43 characters.
new_token() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
sha256() { printf '%s' "$1" | sha256sum | cut -d ' ' -f 1; }

entries=()
: > "$out/tokens.txt"
add() { # role [participant]
  local token
  token=$(new_token)
  if [ $# -eq 2 ]; then
    entries+=("  {\"sha256\": \"$(sha256 "$token")\", \"role\": \"$1\", \"participant\": \"$2\"}")
    printf '%s %s %s\n' "$1" "$2" "$token" >> "$out/tokens.txt"
  else
    entries+=("  {\"sha256\": \"$(sha256 "$token")\", \"role\": \"$1\"}")
    printf '%s %s\n' "$1" "$token" >> "$out/tokens.txt"
  fi
}
add operator
add occ
add risk
for participant in "$@"; do add participant "$participant"; done

{
  echo "["
  for i in "${!entries[@]}"; do
    if [ "$i" -lt $((${#entries[@]} - 1)) ]; then echo "${entries[$i]},"; else echo "${entries[$i]}"; fi
  done
  echo "]"
} > "$out/tokens.json"
chmod 644 "$out/tokens.json"
chmod 600 "$out/tokens.txt"
echo "wrote $out/tokens.json (hashes, for the nodes) and $out/tokens.txt (the tokens: hand them out, then delete it)"

#!/usr/bin/env bash
# Crash test: `ledger serve` as a separate process on SQLite, killed with SIGKILL at random moments
# while several clients submit deliver orders over HTTP, and started again on the same data folder
# each time. Afterwards it checks through the HTTP API that every acknowledged deliver order exists,
# that each one is final or pending with a reason, that shares and money are conserved, that OCC is
# flat; the same after the recycle cutoff; that a kill at rest changes no account; that a kill
# during the end of day still closes the day exactly once; that a kill just after the next day opens,
# with prices moved so that the open's marks are in flight, still marks every loan once, pays each
# mark once and leaves every loan holding its opening amount plus its completed marks; and that
# `ledger verify` finds every journal's hash chain intact. Prints each cycle and PASS or FAIL; exits 0 on PASS, 1 on FAIL,
# 2 on bad options.
#
#   deploy/crash-test.sh [--seed N] [--cycles N] [--clients N] [--keep] [-- more harness options]
#
# Without --seed a seed is drawn and printed; the same seed repeats the workload and the kill
# moments (not the thread interleaving). More: --pause-ms N, --abandon-rate R, --work-dir DIR
# (see `Ledger.Benchmarks crash`). A failing run keeps its data folder and node log.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
}

args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seed|--cycles|--clients|--pause-ms|--abandon-rate|--work-dir)
      if [ $# -lt 2 ]; then echo "crash-test.sh: $1 needs a value" >&2; exit 2; fi
      args+=("$1" "$2"); shift 2 ;;
    --keep) args+=("$1"); shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; args+=("$@"); break ;;
    *) echo "crash-test.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
echo "== building (Release): benchmarks/Ledger.Benchmarks and the ledger it runs"
dotnet build benchmarks/Ledger.Benchmarks/Ledger.Benchmarks.csproj -c Release -nologo -v quiet

echo "== crash test"
exec dotnet benchmarks/Ledger.Benchmarks/bin/Release/net10.0/Ledger.Benchmarks.dll crash ${args[@]+"${args[@]}"}

# Sourced by bench/lockstep_scaling.sh and bench/replay_scaling.sh: their
# shared options and the best-of-N timer.
#   scaling_parse NAME "$@"   sets quick (0/1), reps (default 3) and the
#                             array positional; a bad option exits 2
#   best_of FORMAT CMD...     the smallest `/usr/bin/time -f FORMAT` result of
#                             $reps runs (FORMAT's fields are summed)
quick=0
reps=3
positional=()
scaling_parse() {
  local name=$1
  shift
  while [ $# -gt 0 ]; do
    case "$1" in
      --quick) quick=1 ;;
      --reps) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "$name: --reps needs a number" >&2; exit 2; }
              reps=$2; shift ;;
      -*) echo "$name: unknown option '$1'" >&2; exit 2 ;;
      *) positional+=("$1") ;;
    esac
    shift
  done
}
scaling_tmp=$(mktemp -d)
trap 'rm -rf "$scaling_tmp"' EXIT
best_of() {
  local format=$1 best="" t
  shift
  for _ in $(seq "$reps"); do
    /usr/bin/time -o "$scaling_tmp/time" -f "$format" "$@" >/dev/null 2>&1 || true
    t=$(tail -n1 "$scaling_tmp/time" | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }')
    best=$(awk -v a="$t" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  echo "$best"
}

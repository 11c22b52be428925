#!/usr/bin/env bash
# The study's wall time against PyTorch on the same protocol (issue 10, item 6), measured
# in one session on one machine, interleaved so that a neighbour's load falls on both sides.
#
#   scripts/time_study.sh                 # the MNIST + Fashion-MNIST study: 64 runs × 20 epochs
#                                         # at 1 seed, 320 at 5 seeds (about 40 min on 2 cores)
#   scripts/time_study.sh --quick         # the 8 MNIST runs with λ = 0 (4 optimizers × 2
#                                         # initializations), 1 and 5 seeds (about 8 min)
#
# Options: --jobs N (processes on each side; default: the cores), --rounds R (repeat the
# whole interleaved sequence R times and report the median of each figure; default 1),
# --data-dir DIR (default ../shared/data), --python PY (a Python with torch; default
# /work/venv-torch/bin/python or $PYTHON), --mlplab BIN (default target/release/mlplab,
# built with `cargo build --release` when missing), --keep DIR (keep the studies there).
#
# Each side runs the same number of runs on the same number of one-thread processes:
#   mlplab:  mlplab reproduce --datasets mnist,fashion-mnist --seeds S --no-report -j N
#            (--quick: mlplab sweep paper-mnist --set regularization.l2=0 --seeds S -j N)
#   PyTorch: scripts/pytorch_study_reference.py --optimizer O --l2 L, one process per run,
#            N at a time (xargs -P N), one line per run of the grid (its initialization
#            and dataset do not change the work: same shapes, same epochs).
# Sequence per round: mlplab 1 seed, PyTorch 1 seed, mlplab 5 seeds, PyTorch 5 seeds.
# Prints every figure with its command, then the ratios the issue asks for:
#   PyTorch / mlplab at 1 and at 5 seeds (≥ 2.5), and mlplab 5 seeds / 1 seed (≤ 5.2).
set -euo pipefail

cd "$(dirname "$0")/.."
quick=0
jobs=$(nproc)
rounds=1
data_dir=../shared/data
python=${PYTHON:-/work/venv-torch/bin/python}
mlplab=target/release/mlplab
keep=
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) quick=1 ;;
        --jobs) jobs=$2; shift ;;
        --rounds) rounds=$2; shift ;;
        --data-dir) data_dir=$2; shift ;;
        --python) python=$2; shift ;;
        --mlplab) mlplab=$2; shift ;;
        --keep) keep=$2; shift ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "time_study.sh: unknown option '$1' (valid: --quick, --jobs N, --rounds R, --data-dir DIR, --python PY, --mlplab BIN, --keep DIR)" >&2; exit 2 ;;
    esac
    shift
done
for n in "$jobs" "$rounds"; do
    case "$n" in
        ''|*[!0-9]*|0) echo "time_study.sh: --jobs and --rounds take a whole number ≥ 1, given '$n'" >&2; exit 2 ;;
    esac
done
[ -d "$data_dir/mnist" ] || { echo "time_study.sh: no MNIST in $data_dir (give --data-dir DIR with DIR/mnist and DIR/fashion-mnist)" >&2; exit 1; }
"$python" -c 'import torch' 2>/dev/null || { echo "time_study.sh: $python cannot import torch (give --python PY)" >&2; exit 1; }
if [ ! -x "$mlplab" ]; then
    cargo build --release
fi

work=${keep:-$(mktemp -d)}
mkdir -p "$work"
[ -n "$keep" ] || trap 'rm -rf "$work"' EXIT

if [ $quick = 1 ]; then
    datasets=(mnist)
    l2s=(0)
else
    datasets=(mnist fashion-mnist)
    l2s=(0 1 2 3)
fi
optimizers=(sgd momentum rmsprop adam)
inits=(uniform he)

mlplab_cmd() { # seeds out
    if [ $quick = 1 ]; then
        echo "$mlplab sweep paper-mnist --data-dir $data_dir --set regularization.l2=0 --seeds $1 -j $jobs -q --out $2"
    else
        echo "$mlplab reproduce --datasets mnist,fashion-mnist --data-dir $data_dir --seeds $1 --no-report -j $jobs -q --out $2"
    fi
}

# One PyTorch run per line: the grid's runs × seeds.
torch_runs() { # seeds
    local s d i o l
    for s in $(seq 1 "$1"); do
        for d in "${datasets[@]}"; do
            for i in "${inits[@]}"; do
                for o in "${optimizers[@]}"; do
                    for l in "${l2s[@]}"; do
                        echo "--optimizer $o --l2 $l"
                    done
                done
            done
        done
    done
}

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

declare -A figures
run_mlplab() { # seeds round
    local out="$work/mlplab-$1-seeds-round-$2" cmd start
    rm -rf "$out"
    cmd=$(mlplab_cmd "$1" "$out")
    start=$(now)
    $cmd >"$work/mlplab-$1-$2.log" 2>&1 || { cat "$work/mlplab-$1-$2.log" >&2; exit 1; }
    figures[mlplab-$1]+="$(elapsed "$start") "
    echo "mlplab,  $1 seed(s), round $2: $(echo "${figures[mlplab-$1]}" | awk '{print $NF}') s   ($cmd)"
}
run_torch() { # seeds round
    local n start
    n=$(torch_runs "$1" | wc -l)
    start=$(now)
    torch_runs "$1" | xargs -P "$jobs" -L 1 "$python" scripts/pytorch_study_reference.py --threads 1 \
        >"$work/torch-$1-$2.log" 2>&1 || { cat "$work/torch-$1-$2.log" >&2; exit 1; }
    figures[torch-$1]+="$(elapsed "$start") "
    echo "PyTorch, $1 seed(s), round $2: $(echo "${figures[torch-$1]}" | awk '{print $NF}') s   ($n runs of scripts/pytorch_study_reference.py --threads 1 --optimizer O --l2 L, $jobs at a time)"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "time_study: $(nproc) cores, $jobs processes per side, $rounds round(s), $($python -c 'import torch; print("torch", torch.__version__)'), $($mlplab --version 2>/dev/null || echo mlplab)"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$rounds"); do
    run_mlplab 1 "$r"
    run_torch 1 "$r"
    run_mlplab 5 "$r"
    run_torch 5 "$r"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

m1=$(echo "${figures[mlplab-1]}" | median)
m5=$(echo "${figures[mlplab-5]}" | median)
t1=$(echo "${figures[torch-1]}" | median)
t5=$(echo "${figures[torch-5]}" | median)
ratio() { echo "scale=2; $1 / $2" | bc; }
echo
echo "median over $rounds round(s): mlplab ${m1} s (1 seed), ${m5} s (5 seeds); PyTorch ${t1} s (1 seed), ${t5} s (5 seeds)"
echo "PyTorch / mlplab, 1 seed:  $(ratio "$t1" "$m1")x   (issue: >= 2.5)"
echo "PyTorch / mlplab, 5 seeds: $(ratio "$t5" "$m5")x   (issue: >= 2.5)"
echo "mlplab 5 seeds / 1 seed:   $(ratio "$m5" "$m1")x   (issue: <= 5.2)"

#!/usr/bin/env bash
# Training and evaluation speed on a GPU machine with no network and no Rust: the train-step bench
# on wgpu for MNIST's and dSprites' networks, a timed training run of each model on each, then a
# timed `eval` of each HSIC-InfoGAN run (the MNIST classifier trained first), numbers written to OUT.
#
#   scripts/gpu-bench.sh OUT [BIN_DIR]     # BIN_DIR: where hsic-infogan and train_step are
#
# Build here first, with the Vulkan backend compiled in:
#   cargo build --release --features wgpu --bin hsic-infogan --bench train_step
#   mkdir -p gpu-bin && cp target/release/hsic-infogan gpu-bin/ \
#       && cp "$(ls -t target/release/deps/train_step-* | grep -v '\.d$' | head -1)" gpu-bin/train_step
# and carry gpu-bin/, the MNIST files (DATA_DIR, default ../shared/data/mnist) and, where the
# machine has no Vulkan loader (`ldconfig -p | grep libvulkan` prints nothing), the loader
# packages (libvulkan1 and friends, unpacked with `dpkg -x` before this script runs).
#
# wgpu runs with Burn's kernel fusion off (docs/backends.md, "Known fault"); to time it on, set
# BURN_FUSION_MAX_EXPLORATIONS=1000000 (its training numbers are then wrong, its speed is not).
#
# Environment: DEVICE (default wgpu), ITERS per training run (default 300), DATA_DIR, EVAL
# (default 1; 0 skips the classifier and the evaluations), CLASSIFIER (a trained classifier's
# folder, e.g. one `hsic-infogan classifier train` cached here, instead of training one), QUICK=1
# (a check that every command runs, e.g. on lavapipe: ITERS 3, the bench's --quick and tiny
# evaluations; its times mean nothing; the classifier's training is not shrunk, so on lavapipe
# give CLASSIFIER).
# Writes OUT/train_step_<networks>.txt (the bench's tables), OUT/<dataset>_<model>.txt and
# OUT/eval_<dataset>.txt (each command's output and peak memory where /usr/bin/time exists), and
# OUT/summary.md (seconds per iteration, wall time and peak memory per command).
set -euo pipefail

out=${1:?usage: scripts/gpu-bench.sh OUT [BIN_DIR]}
bin=${2:-target/release}
device=${DEVICE:-wgpu}
iters=${ITERS:-300}
data=${DATA_DIR:-../shared/data/mnist}
evaluate=${EVAL:-1}
if [ "${QUICK:-0}" = 1 ]; then
    iters=${ITERS:-3}
    bench=(--quick)
    mnist_eval=(--n 200 --encoder-steps 5)
    shapes_eval=(--encoder-steps 5 --metric-votes 20 --metric-points 200)
else
    bench=()
    mnist_eval=()
    shapes_eval=()
fi
mkdir -p "$out"
for file in "$bin/hsic-infogan" "$bin/train_step"; do
    [ -x "$file" ] || { echo "error: $file: not an executable (see the build steps at the top of $0)" >&2; exit 1; }
done
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "error: $data: no MNIST files (set DATA_DIR)" >&2; exit 1; }

echo "== $(date -u +%FT%TZ) $(uname -m), $(nproc) cores" | tee "$out/machine.txt"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$out/machine.txt"; fi

for networks in infogan dsprites; do
    echo "== train_step bench on $device, $networks networks" >&2
    # A failed bench (it stops at a non-finite loss) leaves the training runs to measure.
    "$bin/train_step" --backend "$device" --networks "$networks" "${bench[@]}" 2>&1 | tee "$out/train_step_$networks.txt" \
        || echo "train_step failed: see $out/train_step_$networks.txt" >&2
done

printf '| command | s/iter (steps only) | wall (s) | peak RSS (GB) |\n|---|---:|---:|---:|\n' > "$out/summary.md"
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT

# timed NAME COMMAND...: runs COMMAND into OUT/NAME.txt with its wall time and peak memory, and
# adds a row to the summary (s/iter from a training's last progress line, else blank).
timed() {
    local name=$1 log="$out/$1.txt" start
    shift
    echo "== $name" >&2
    start=$(date +%s.%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f 'peak RSS %M KB' -o "$log.rss" "$@" > "$log" 2>&1 || echo "$name: failed, see $log" >&2
        cat "$log.rss" >> "$log" && rm "$log.rss"
    else
        "$@" > "$log" 2>&1 || echo "$name: failed, see $log" >&2
    fi
    echo "wall $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >> "$log"
    local per_step wall rss rss_gb
    per_step=$(sed -n 's/.*(\([0-9.]*\) s\/it.*/\1/p' "$log" | head -1)
    wall=$(sed -n 's/^wall \([0-9.]*\) s.*/\1/p' "$log")
    rss=$(sed -n 's/.*peak RSS \([0-9]*\) KB/\1/p' "$log")
    rss_gb=$([ -n "$rss" ] && awk -v k="$rss" 'BEGIN { printf "%.2f", k / 1048576 }' || echo "n/a (no /usr/bin/time)")
    echo "| $name | $per_step | $wall | $rss_gb |" >> "$out/summary.md"
}

for dataset in mnist shapes; do
    for model in gan infogan hsic; do
        timed "${dataset}_$model" "$bin/hsic-infogan" train --dataset "$dataset" --model "$model" --device "$device" \
            --data-dir "$data" --max-iters "$iters" --quiet --out "$runs/${dataset}_$model"
    done
done
if [ "$evaluate" = 1 ]; then
    classifier=${CLASSIFIER:-$runs/classifier}
    if [ -z "${CLASSIFIER:-}" ]; then
        timed classifier "$bin/hsic-infogan" classifier train --device "$device" --data-dir "$data" --out "$classifier"
    fi
    timed eval_mnist "$bin/hsic-infogan" eval --run "$runs/mnist_hsic" --device "$device" --data-dir "$data" \
        --classifier "$classifier" "${mnist_eval[@]}"
    timed eval_shapes "$bin/hsic-infogan" eval --run "$runs/shapes_hsic" --device "$device" "${shapes_eval[@]}"
fi
cat "$out/summary.md"

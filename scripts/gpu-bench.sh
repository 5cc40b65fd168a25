#!/usr/bin/env bash
# Training speed on a GPU machine with no network and no Rust: the train-step bench on wgpu, then
# a timed training run of each model, numbers written to OUT.
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
# Environment: DEVICE (default wgpu), ITERS per training run (default 300), DATA_DIR.
# Writes OUT/train_step.txt (the bench's table), OUT/train_<model>.txt (each run's output and
# peak memory where /usr/bin/time exists), and OUT/summary.md (seconds per iteration and peak memory per model).
set -euo pipefail

out=${1:?usage: scripts/gpu-bench.sh OUT [BIN_DIR]}
bin=${2:-target/release}
device=${DEVICE:-wgpu}
iters=${ITERS:-300}
data=${DATA_DIR:-../shared/data/mnist}
mkdir -p "$out"
for file in "$bin/hsic-infogan" "$bin/train_step"; do
    [ -x "$file" ] || { echo "error: $file: not an executable (see the build steps at the top of $0)" >&2; exit 1; }
done
[ -f "$data/train-images-idx3-ubyte.gz" ] || { echo "error: $data: no MNIST files (set DATA_DIR)" >&2; exit 1; }

echo "== $(date -u +%FT%TZ) $(uname -m), $(nproc) cores" | tee "$out/machine.txt"
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee -a "$out/machine.txt"; fi

echo "== train_step bench on $device" >&2
# A failed bench (it stops at a non-finite loss) leaves the training runs to measure.
"$bin/train_step" --backend "$device" 2>&1 | tee "$out/train_step.txt" || echo "train_step failed: see $out/train_step.txt" >&2

printf '| model | s/iter (steps only) | wall (s) | peak RSS (GB) |\n|---|---:|---:|---:|\n' > "$out/summary.md"
runs=$(mktemp -d)
trap 'rm -rf "$runs"' EXIT
for model in gan infogan hsic; do
    echo "== $model: $iters iterations on $device" >&2
    log="$out/train_$model.txt"
    start=$(date +%s.%N)
    run=("$bin/hsic-infogan" train --model "$model" --device "$device" --data-dir "$data"
        --max-iters "$iters" --quiet --out "$runs/$model")
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f 'peak RSS %M KB' -o "$log.rss" "${run[@]}" > "$log" 2>&1 || echo "$model: failed, see $log" >&2
        cat "$log.rss" >> "$log" && rm "$log.rss"
    else
        "${run[@]}" > "$log" 2>&1 || echo "$model: failed, see $log" >&2
    fi
    echo "wall $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s" >> "$log"
    per_step=$(sed -n 's/.*(\([0-9.]*\) s\/it.*/\1/p' "$log" | head -1)
    wall=$(sed -n 's/^wall \([0-9.]*\) s.*/\1/p' "$log")
    rss=$(sed -n 's/.*peak RSS \([0-9]*\) KB/\1/p' "$log")
    rss_gb=$([ -n "$rss" ] && awk -v k="$rss" 'BEGIN { printf "%.2f", k / 1048576 }' || echo "n/a (no /usr/bin/time)")
    echo "| $model | $per_step | $wall | $rss_gb |" >> "$out/summary.md"
done
cat "$out/summary.md"

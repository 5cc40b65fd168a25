#!/usr/bin/env bash
# Runs the ignored tests that reproduce Burn bugs (each with a workaround in the code) and says of
# each whether it still fails (Burn still has the bug) or now passes (Burn fixed it: remove the
# test's #[ignore] and the workaround its docs name). For the day Burn is upgraded; not part of CI.
#
# The bugs are wgpu's, so this needs a working wgpu adapter (Mesa's lavapipe will do); CI=1 makes
# the tests fail rather than skip without one, and the script then says it could not tell.
#
#   scripts/burn-bugs.sh          exit status 0: every bug still there; 1: one passes or could not run
set -uo pipefail
cd "$(dirname "$0")/.."

# "test file  test name  [setting]", as `cargo test --test FILE -- --exact NAME` takes them; the
# setting (an environment variable) turns a workaround off, for a test that runs in CI with it on.
reproductions=(
    "centring one_column_read_as_is_then_transposed_in_one_expression"
    "fused composed_gradient_of_four_samples"
    "wgpu_step wgpu_takes_flexs_first_d_step BURN_FUSION_MAX_EXPLORATIONS=1000000"
)
features=(--release --workspace --features ndarray,wgpu)

cargo test "${features[@]}" --no-run --test centring --test fused --test wgpu_step || exit 1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
for entry in "${reproductions[@]}"; do
    read -r file name setting <<<"$entry"
    if env CI=1 $setting cargo test "${features[@]}" --test "$file" -- --include-ignored --exact "$name" >"$log" 2>&1; then
        echo "PASSES     $file::$name ${setting:+with $setting}: Burn fixed it; remove its #[ignore] and the workaround"
        status=1
    elif grep -q "no usable device\|no CubeCL device runs\|does not run under CI" "$log"; then
        echo "NO DEVICE  $file::$name: no working wgpu adapter here, so it tells nothing"
        status=1
    else
        echo "FAILS      $file::$name: Burn still has the bug; the test says:"
        grep -m1 -A1 "panicked at" "$log" | sed 's/^/           /'
    fi
done
exit "$status"

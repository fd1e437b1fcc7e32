#!/usr/bin/env bash
# Trains every imaging baseline of BASELINES.md whose data is present and
# prints its test AUROC (with CI) and accuracy after the MedMNIST v2 reference.
# Usage: scripts/reproduce-imaging.sh [--device cpu|wgpu]
# (Fetch data first: medref data fetch medmnist pneumoniamnist, ...)
set -euo pipefail
cd "$(dirname "$0")/.."
device=${2:-cpu}
[ "${1:-}" = "--device" ] || device=cpu
bin=scripts/medref
for spec in pneumoniamnist:0.944 breastmnist:0.901 dermamnist:0.917 bloodmnist:0.998; do
  name=${spec%%:*}; ref=${spec##*:}
  data=datasets/medmnist/$name.npz
  if [ ! -f "$data" ]; then
    echo "$name: skipped, no $data (medref data fetch medmnist $name)"
    continue
  fi
  echo "$name: reference AUROC $ref (MedMNIST v2 ResNet-18 (28))"
  "$bin" train "configs/imaging/$name.toml" --device "$device" --out "runs/reproduce-$name" --force --quiet
done

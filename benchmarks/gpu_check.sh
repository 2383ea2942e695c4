#!/usr/bin/env bash
# GPU check (under 8 minutes): synthetic corpus, a few hundred SEMAX steps on the GPU and some on
# the CPU, ratings/s for both as JSON (each section also on stderr as it completes). Runs from the
# repository root; needs torch with CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
timeout 480 python3 benchmarks/gpu_check.py "$@"

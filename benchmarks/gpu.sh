#!/usr/bin/env bash
# The GPU check (issue 23), in one command, for the day a machine with a CUDA GPU is lent:
#
#     benchmarks/gpu.sh [--quick]
#
# 1. the test suite's `requires_cuda` tests;
# 2. the default job (translation, summary, back-translation) and translation only, on CUDA, in int8_float16 and
#    in float16, against plain CTranslate2 replaying the same calls on the same device (benchmarks/job.py: the
#    CPU table's format, written to benchmarks/RESULTS-gpu-int8_float16.md and RESULTS-gpu-float16.md);
# 3. the Ray engine with --num-gpus: one actor per GPU, and two actors sharing one GPU (--num-gpus 0.5),
#    against the local engine on the same GPU (benchmarks/ray_gpu.py: the CPU table's format of docs/ray.md).
#
# Nothing of this has run yet: no GPU was lent to the sessions that wrote it. It stops at the first step that
# fails and says which. Run it from a checkout with its venv made by the README's test command and the CUDA
# build of torch (the benchmark models are built on the first run, about two minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .venv/bin/activate ] && . .venv/bin/activate
quick=""
repeats=3
if [ "${1:-}" = "--quick" ]; then quick="--quick"; repeats=1; fi
out=benchmarks/.work/gpu
mkdir -p "$out"

step() { printf '\n== %s\n' "$*"; }

step "the machine"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || {
    echo "gpu.sh: nvidia-smi found no GPU: this check needs a CUDA GPU" >&2
    exit 2
}
python - <<'EOF'
import sys
import ctranslate2
count = ctranslate2.get_cuda_device_count()
print(f"CTranslate2 {ctranslate2.__version__}: {count} CUDA device(s); compute types on device 0: "
      f"{sorted(ctranslate2.get_supported_compute_types('cuda')) if count else '-'}")
try:
    import torch
    print(f"torch {torch.__version__}: CUDA available {torch.cuda.is_available()}")
except ImportError:
    print("torch: not installed")
sys.exit(0 if count else 2)
EOF

step "1. the requires_cuda tests"
python -m pytest -m requires_cuda -q -rA -p no:randomly 2>&1 | tee "$out/requires_cuda.log"

for compute in int8_float16 float16; do
    step "2. the default job and translation only on CUDA, $compute (auto against the floor)"
    python benchmarks/job.py --only job,translation --contenders auto,floor --device cuda \
        --compute-type "$compute" --floor-layouts 1x1 --repeats "$repeats" $quick \
        --results "benchmarks/RESULTS-gpu-$compute.md" 2>&1 | tee "$out/job-$compute.log"
done

step "3. the Ray engine with --num-gpus"
python benchmarks/ray_gpu.py --repeat "$repeats" 2>&1 | tee "$out/ray.log"

step "done: benchmarks/RESULTS-gpu-*.md, and the logs in $out"

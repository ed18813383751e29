#!/usr/bin/env bash
# Idempotent set-up of the mmmtl environment on a fresh machine.
#
#   bash tools/setup_env.sh            # creates ./.venv (or $MMMTL_VENV)
#   MMMTL_VENV=none bash tools/setup_env.sh   # use the active Python as is
#
# Steps, each skipped when already done:
#   1. a virtual environment (skipped inside an active venv/conda env, or
#      with MMMTL_VENV=none);
#   2. torch 2.13.0 (kept as is when any torch is already importable, so a
#      CUDA build stays);
#   3. build pins (setuptools>=77,<81, wheel, ninja) and mmengine;
#   4. mmcv 2.1.0 from its sdist with ops, --no-build-isolation (with
#      isolation it silently builds without ops); pip caches the wheel;
#      the step then checks that `mmcv.ops` really imports;
#   5. mmdet 3.3.0, the tracking, test, deploy (onnx, onnxruntime) and
#      tune (optuna) requirements, openmim without the openxlab chain, and mmmtl itself
#      (editable), plus the
#      `.mim` links that `mim train mmmtl` needs.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STAMP_DIR=""
log() { printf '[setup] %s\n' "$*"; }

PY_BOOT="${PYTHON:-python3}"
if [[ "${MMMTL_VENV:-}" == "none" || -n "${VIRTUAL_ENV:-}" || -n "${CONDA_PREFIX:-}" ]]; then
    PY="$(command -v python || command -v python3)"
    log "using the active Python: $PY"
else
    VENV="${MMMTL_VENV:-$ROOT/.venv}"
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "creating virtual environment $VENV"
        "$PY_BOOT" -m venv "$VENV"
    fi
    PY="$VENV/bin/python"
fi
STAMP_DIR="$("$PY" -c 'import sys; print(sys.prefix)')/.mmmtl-setup"
mkdir -p "$STAMP_DIR"
PIP=("$PY" -m pip install --disable-pip-version-check -q)

have() { "$PY" - "$@" <<'EOF' 2>/dev/null
import importlib.metadata as md, sys
name, want = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
v = md.version(name)
sys.exit(0 if want is None or v == want else 1)
EOF
}

# 2. torch
if "$PY" -c 'import torch' 2>/dev/null; then
    log "torch $("$PY" -c 'import torch; print(torch.__version__)') present, kept"
else
    log "installing torch==2.13.0"
    "${PIP[@]}" torch==2.13.0
fi

# 3. build pins and mmengine
if ! have mmengine 0.10.7 || ! "$PY" -c 'import setuptools, sys; v=tuple(int(x) for x in setuptools.__version__.split(".")[:2]); sys.exit(not ((77,0)<=v<(81,0)))' 2>/dev/null; then
    log "installing build pins and mmengine"
    "${PIP[@]}" -r requirements/build.txt mmengine==0.10.7
fi

# 4. mmcv with ops
if ! have mmcv 2.1.0 || ! "$PY" -c 'import mmcv.ops' 2>/dev/null; then
    log "building mmcv 2.1.0 with ops (about 12 minutes on 2 cores the first time; pip caches the wheel)"
    MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" "${PIP[@]}" --no-build-isolation mmcv==2.1.0
fi
"$PY" -c 'import mmcv.ops; from mmcv.ops import nms' || {
    log "mmcv.ops does not import: mmcv was built without its ops."
    log "remove it (pip uninstall mmcv; pip cache remove mmcv) and run again."
    exit 1
}

# 5. mmdet, tracking, tests, mmmtl
REQ_HASH="$(cat requirements/*.txt setup.py | sha1sum | cut -c1-12)"
if [[ ! -f "$STAMP_DIR/reqs-$REQ_HASH" ]] || ! "$PY" -c 'import mmmtl' 2>/dev/null; then
    log "installing mmdet, tracking, test and deploy requirements"
    "${PIP[@]}" mmdet==3.3.0 -r requirements/runtime.txt \
        -r requirements/tracking.txt -r requirements/optional.txt
    # requirements/mim.txt pins opendatalab 0.0.9: 0.0.10 pulls openxlab,
    # which downgrades setuptools to 60.2 and requests to 2.28.
    "${PIP[@]}" -r requirements/mim.txt -r requirements/tests.txt \
        -r requirements/deploy.txt -r requirements/tune.txt
    log "installing mmmtl (editable)"
    "${PIP[@]}" --no-build-isolation --no-deps -e . \
        --config-settings editable_mode=compat
    rm -f "$STAMP_DIR"/reqs-*
    touch "$STAMP_DIR/reqs-$REQ_HASH"
fi
"$PY" -m mmmtl.utils.mim_links --quiet
"$PY" -c 'import mmmtl, mmcv.ops; print("[setup] ok: mmmtl", mmmtl.__version__)'

#!/usr/bin/env bash
# Multi-process testing with torchrun: tools/dist_test.sh CONFIG CKPT N [args]
CONFIG=$1
CHECKPOINT=$2
NPROC=$3
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
PYTHON=${PYTHON:-python}

PYTHONPATH="$(dirname "$0")/..":${PYTHONPATH:-} \
"$PYTHON" -m torch.distributed.run \
    --nnodes=1 --node_rank=0 --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" --master_port="$PORT" \
    "$(dirname "$0")/test.py" "$CONFIG" --checkpoint "$CHECKPOINT" \
    --launcher pytorch "${@:4}"

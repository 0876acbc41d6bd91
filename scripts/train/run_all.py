#!/usr/bin/python3
"""Run the whole micro-bert pipeline: tokenize -> MLM pre-training -> SST-2
fine-tuning -> export to public/models/micro-bert{,-sst2}.

    nice -n 10 /usr/bin/python3 scripts/train/run_all.py            # everything (~1 h)
    nice -n 10 /usr/bin/python3 scripts/train/run_all.py --from finetune   # reuse the pre-trained checkpoint
    nice -n 10 /usr/bin/python3 scripts/train/run_all.py --from export     # only rewrite the model folders

Each stage runs as its own process with the same interpreter; extra options for
a stage can be passed after ``--``, e.g. ``-- --lr 2e-4`` (finetune only).
Stage wall times are written to scripts/train/cache/timings.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STAGES = ["prepare_data", "pretrain", "finetune", "export"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="start", choices=STAGES, default="prepare_data")
    ap.add_argument("--only", choices=STAGES)
    ap.add_argument("rest", nargs="*", help="extra args for the (single) stage, after --")
    args = ap.parse_args()
    stages = [args.only] if args.only else STAGES[STAGES.index(args.start):]
    cache = os.path.join(HERE, "cache")
    os.makedirs(cache, exist_ok=True)
    tpath = os.path.join(cache, "timings.json")
    timings = {}
    if os.path.exists(tpath):
        with open(tpath) as f:
            timings = json.load(f)
    env = dict(os.environ)
    # OpenBLAS's own threads inside torch's oversubscribe the 2 cores (1.7x slower, measured).
    env.setdefault("OMP_NUM_THREADS", "1")
    for st in stages:
        cmd = [sys.executable, os.path.join(HERE, st + ".py")]
        if args.rest and len(stages) == 1:
            cmd += args.rest
        if st == "prepare_data" and args.start == "prepare_data" and not args.only:
            cmd.append("--force")
        print(f"=== {st}: {' '.join(cmd)}", flush=True)
        t0 = time.time()
        subprocess.run(cmd, check=True, cwd=HERE, env=env)
        timings[st] = round(time.time() - t0, 1)
        with open(tpath, "w") as f:
            json.dump(timings, f, indent=2)
        print(f"=== {st} done in {timings[st] / 60:.1f} min", flush=True)


if __name__ == "__main__":
    main()

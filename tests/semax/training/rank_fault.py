"""`semax` under torchrun with one rank made to fail or stall at its N-th step (tests only).

python -m torch.distributed.run ... tests/semax/training/rank_fault.py fail|stall RANK STEP -- semax ARGS
"""

import os
import sys
import time

from semax.cli import main
from semax.training import loop

mode, bad_rank, bad_step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
real_hide_ids = loop.hide_ids  # called once per training step
steps = 0


def hide_ids(batch, rate, gen):
    global steps
    steps += 1
    if int(os.environ.get("RANK", "0")) == bad_rank and steps == bad_step:
        if mode == "fail":
            raise RuntimeError("injected failure")
        time.sleep(600)  # stall: the other ranks wait in the step's collective
    return real_hide_ids(batch, rate, gen)


loop.hide_ids = hide_ids
sys.exit(main(sys.argv[sys.argv.index("--") + 1 :]))

"""Synth time of the default and the 1,000-user configs, as ratios to an empty CDK app measured in the same run.

Each measurement is a fresh process (jsii start-up plus synth, as `cdk synth` pays it), median of ``--runs``.
Run from the repo root: ``python benchmarks/synth.py [--runs 3]``. Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMPTY_APP = """
import aws_cdk as cdk
app = cdk.App(outdir={outdir!r})
cdk.Stack(app, "Empty")
app.synth()
"""

PLATFORM_APP = """
from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.config import load_config
from sagemaker_platform.stacks.platform import build_platform
app = new_app(outdir={outdir!r})
build_platform(app, load_config({config!r}))
app.synth()
"""


def _time(code: str) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}:{env.get('PATH', '')}"
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code.replace("{outdir!r}", repr(outdir))],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - start


def _median(code: str, runs: int) -> float:
    return statistics.median(_time(code) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    empty = _median(EMPTY_APP, args.runs)
    default = _median(PLATFORM_APP.replace("{config!r}", repr("config/default.yaml")), args.runs)
    large = _median(PLATFORM_APP.replace("{config!r}", repr("config/examples/large.yaml")), args.runs)
    print(f"synth, median of {args.runs} fresh processes (jsii start-up included)")
    print(f"  empty CDK app (floor)         {empty:6.2f} s   1.00x")
    print(f"  default config                {default:6.2f} s   {default / empty:.2f}x empty")
    print(
        f"  1,000 users (large.yaml)      {large:6.2f} s   {large / empty:.2f}x empty, {large / default:.2f}x default"
    )


if __name__ == "__main__":
    main()

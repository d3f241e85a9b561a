"""Synth time through the real CDK CLI, as ratios to an empty CDK app measured in the same run.

Every measurement is ``cdk synth --quiet -c config=<file> -o <tmp>`` with the CLI from ``node_modules/.bin``:
a fresh CLI, Python and jsii process each time, which is what ``cdk diff``, ``cdk deploy`` and a pipeline pay.
The cases run interleaved, one of each per round, so a busy machine slows all of them alike:

- an empty CDK app (one empty stack, the repository's cdk.json context): the floor;
- ``config/default.yaml``;
- ``config/examples/large.yaml`` (1,000 users over 5 user stacks);
- 3,000 users over 15 user stacks, generated from large.yaml into a temporary file.

Prints medians, ratios to the empty app and the marginal cost of one user; asserts nothing about time. Run from
anywhere: ``python benchmarks/synth.py [--rounds 3]`` (``make bench``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CDK = ROOT / "node_modules" / ".bin" / "cdk"
LARGE = ROOT / "config" / "examples" / "large.yaml"
USERS_3000 = 3000
USER_STACKS_3000 = 15
TARGETS = {"default": 1.5, "1,000 users": 2.0}

EMPTY_APP = """import aws_cdk as cdk

app = cdk.App()
cdk.Stack(app, "Empty")
app.synth()
"""


@dataclass
class Case:
    """One thing to synthesize: an app directory (holding cdk.json) and an optional config file."""

    label: str
    cwd: Path
    config: Path | None = None
    users: int = 0
    seconds: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def cli_env() -> dict[str, str]:
    """The Makefile's environment: Node 22 and the pinned CLI first, then the venv whose python cdk.json runs."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(ROOT / "node_modules" / ".bin"), str(Path(sys.executable).parent),
                                   env.get("PATH", "")])
    env["CDK_DISABLE_VERSION_CHECK"] = "1"
    env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
    return env


def write_empty_app(directory: Path) -> None:
    """An empty app with the repository's cdk.json (same feature flags, no notices, no telemetry)."""
    cdk_json = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))
    cdk_json["app"] = "python app.py"
    cdk_json.pop("watch", None)
    (directory / "cdk.json").write_text(json.dumps(cdk_json, indent=2), encoding="utf-8")
    (directory / "app.py").write_text(EMPTY_APP, encoding="utf-8")


def write_users_config(path: Path, users: int, user_stacks: int) -> None:
    """large.yaml with ``users`` users (the same persona pattern) over ``user_stacks`` stacks."""
    config = yaml.safe_load(LARGE.read_text(encoding="utf-8"))
    personas = [u["persona"] for u in config["users"]]
    config["platform"]["user_stacks"] = user_stacks
    config["platform"]["environment"] = f"users{users}"
    config["users"] = [{"name": f"user-{i:04d}", "persona": personas[i % len(personas)]} for i in range(users)]
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")


def count_users(path: Path) -> int:
    return len(yaml.safe_load(path.read_text(encoding="utf-8")).get("users") or [])


def synth(case: Case, env: dict[str, str]) -> float:
    """Seconds for one ``cdk synth`` of the case into a fresh output directory."""
    with tempfile.TemporaryDirectory(prefix="bench-synth-") as outdir:
        command = [str(CDK), "synth", "--quiet", "-o", outdir]
        if case.config is not None:
            command[2:2] = ["-c", f"config={case.config}"]
        start = time.perf_counter()
        result = subprocess.run(command, cwd=case.cwd, env=env, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{case.label}: cdk synth failed ({result.returncode}):\n{result.stderr[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    args = parser.parse_args()
    if not CDK.exists():
        raise SystemExit(f"{CDK} is missing: run `make setup` first")
    env = cli_env()
    with tempfile.TemporaryDirectory(prefix="bench-apps-") as scratch:
        empty_dir = Path(scratch) / "empty"
        empty_dir.mkdir()
        write_empty_app(empty_dir)
        users_file = Path(scratch) / f"users-{USERS_3000}.yaml"
        write_users_config(users_file, USERS_3000, USER_STACKS_3000)
        default = ROOT / "config" / "default.yaml"
        cases = [
            Case("empty CDK app", empty_dir),
            Case("default", ROOT, default, count_users(default)),
            Case("1,000 users", ROOT, LARGE, count_users(LARGE)),
            Case(f"{USERS_3000:,} users", ROOT, users_file, USERS_3000),
        ]
        load_before = os.getloadavg()[0]
        synth(cases[0], env)  # warm-up (file caches), not counted
        for n in range(args.rounds):
            for case in cases:
                case.seconds.append(synth(case, env))
            print(f"round {n + 1}/{args.rounds}: " + ", ".join(f"{c.label} {c.seconds[-1]:.2f}s" for c in cases),
                  flush=True)
        load_after = os.getloadavg()[0]
    report(cases, args.rounds, load_before, load_after)


def report(cases: list[Case], rounds: int, load_before: float, load_after: float) -> None:
    floor = cases[0].median
    print(f"\ncdk synth --quiet through the CLI, median of {rounds} interleaved rounds "
          f"({os.cpu_count()} CPUs, load average {load_before:.1f} before, {load_after:.1f} after)")
    print(f"  {'case':<16} {'users':>6} {'median':>8} {'min-max':>13} {'vs empty':>9}  target")
    for case in cases:
        ratio = case.median / floor
        target = TARGETS.get(case.label)
        verdict = "" if target is None else f"<= {target:.1f}x {'met' if ratio <= target else 'NOT met'}"
        spread = f"{min(case.seconds):.2f}-{max(case.seconds):.2f}"
        print(f"  {case.label:<16} {case.users:>6} {case.median:>7.2f}s {spread:>13} {ratio:>8.2f}x  {verdict}")
    by_users = sorted((c for c in cases[1:] if c.users), key=lambda c: c.users)
    small, big = by_users[-2], by_users[-1]
    per_user = (big.median - small.median) / (big.users - small.users)
    print(f"  marginal cost per user ({small.users:,} -> {big.users:,} users): {per_user * 1000:.2f} ms")


if __name__ == "__main__":
    main()

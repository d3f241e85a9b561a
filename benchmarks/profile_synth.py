"""Where one synth's time goes, for the empty CDK app and for a config, in one process each.

``benchmarks/synth.py`` says how long users wait; this says why. For each case it runs the app in-process with
the jsii kernel's Node.js under ``--cpu-prof`` and prints:

- the Python side: importing the CDK, importing this package, loading the config, building the constructs, and
  ``app.synth()`` (which waits on Node.js), plus the time Python spent in validation callbacks
  (acknowledgements, the SageMakerPlatform pack, the unguarded-member check);
- the Node.js side, from its CPU profile: the CloudFormation Validate plugin's rule engine (built once per process,
  the empty app pays it too), its validation of each template, the cdk-nag packs, module loading, and the rest.

Run from the repository root: ``python benchmarks/profile_synth.py [config ...]`` (default: config/default.yaml and
config/examples/large.yaml). Figures move with the machine's load; compare cases from one run.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Runs in a child process so every case starts a fresh Python and Node.js, like the CLI.
_CHILD = r"""
import cProfile, json, pstats, sys, time
t0 = time.perf_counter()
import aws_cdk as cdk
t1 = time.perf_counter()
config_path, outdir, context_file = sys.argv[1], sys.argv[2], sys.argv[3]
context = json.load(open(context_file))
phases = {"import aws_cdk": t1 - t0}
if config_path == "-":
    app = cdk.App(outdir=outdir, context=context)
    cdk.CfnWaitConditionHandle(cdk.Stack(app, "Empty"), "Nothing")  # a stack needs one resource
    t2 = time.perf_counter()
    phases.update({"import sagemaker_platform": 0.0, "load config": 0.0, "build constructs": t2 - t1})
else:
    from sagemaker_platform.config import load_config
    from sagemaker_platform.main import build_app
    t2 = time.perf_counter()
    config = load_config(config_path)
    t3 = time.perf_counter()
    app = cdk.App(outdir=outdir, context=context)
    build_app(app, config)
    t4 = time.perf_counter()
    phases.update({"import sagemaker_platform": t2 - t1, "load config": t3 - t2, "build constructs": t4 - t3})
    t2 = t4
profile = cProfile.Profile()
profile.enable()
app.synth()
profile.disable()
phases["app.synth()"] = time.perf_counter() - t2
stats = pstats.Stats(profile)
callbacks = sum(
    row[3] for (path, _, name), row in stats.stats.items()
    if "sagemaker_platform" in path and name in ("validate", "validate_templates")
)
phases["  of which Python validation callbacks"] = callbacks
print(json.dumps(phases))
"""


def _node_breakdown(profile_dir: Path) -> dict[str, float]:
    """Milliseconds of the jsii kernel's CPU profile, by what the time was spent under (first match wins)."""
    profiles = [p for p in profile_dir.glob("*.cpuprofile")]
    if not profiles:
        return {}
    data = json.loads(max(profiles, key=lambda p: p.stat().st_size).read_text(encoding="utf-8"))
    nodes = {n["id"]: n for n in data["nodes"]}
    parent = {child: n["id"] for n in data["nodes"] for child in n.get("children", [])}
    self_time: collections.Counter[int] = collections.Counter()
    for sample, delta in zip(data["samples"], data["timeDeltas"], strict=False):
        self_time[sample] += delta
    buckets = [
        ("CloudFormation Validate: rule engine", lambda f: f["functionName"] == "CloudFormationValidatePlugin"),
        ("CloudFormation Validate: templates", lambda f: f["functionName"] == "validateTemplate"),
        ("cdk-nag packs", lambda f: "/cdk-nag/" in f["url"]),
        ("module loading", lambda f: f["functionName"] == "require"),
        ("synthesis (templates, tokens)", lambda f: f["functionName"] == "synth"),
    ]
    out: dict[str, float] = collections.defaultdict(float)
    for node_id, micros in self_time.items():
        frames = []
        current: int | None = node_id
        while current is not None:
            frames.append(nodes[current]["callFrame"])
            current = parent.get(current)
        label = next((name for name, match in buckets if any(match(f) for f in frames)), "constructs and kernel")
        out[label] += micros / 1000
    out["total"] = sum(self_time.values()) / 1000
    return dict(out)


def profile(config: str | None) -> tuple[dict[str, float], dict[str, float]]:
    context = json.loads((ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    with tempfile.TemporaryDirectory(prefix="profile-synth-") as scratch:
        work = Path(scratch)
        (work / "context.json").write_text(json.dumps(context), encoding="utf-8")
        env = dict(os.environ)
        env["NODE_OPTIONS"] = f"--cpu-prof --cpu-prof-dir={work / 'node'}"
        env["PATH"] = os.pathsep.join([str(ROOT / "node_modules" / ".bin"), env.get("PATH", "")])
        env["JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION"] = "1"
        result = subprocess.run(
            [sys.executable, "-c", _CHILD, config or "-", str(work / "out"), str(work / "context.json")],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"{config or 'empty app'}: synth failed:\n{result.stderr[-2000:]}")
        python = json.loads(result.stdout.strip().splitlines()[-1])
        return python, _node_breakdown(work / "node")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("configs", nargs="*", default=["config/default.yaml", "config/examples/large.yaml"])
    args = parser.parse_args()
    cases: dict[str, tuple[dict[str, float], dict[str, float]]] = {"empty app": profile(None)}
    for config in args.configs:
        cases[config] = profile(config)
    labels = list(cases)
    width = max(len(label) for label in labels) + 2
    for side, index, unit, scale in (("Python (wall)", 0, "s", 1.0), ("Node.js (CPU)", 1, "s", 0.001)):
        rows = list(dict.fromkeys(key for case in cases.values() for key in case[index]))
        print(f"\n{side:<40}" + "".join(f"{label:>{width}}" for label in labels))
        for row in rows:
            cells = "".join(
                f"{cases[label][index].get(row, 0.0) * scale:>{width - 1}.2f}{unit}" for label in labels
            )
            print(f"  {row:<38}{cells}")


if __name__ == "__main__":
    main()

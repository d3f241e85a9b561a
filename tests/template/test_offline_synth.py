"""Everything the repo ships synthesizes through the real CDK CLI with ``--no-lookups`` and no AWS credentials.

That is what a CDK Pipelines synth step runs, and what a new user without an account tries first: every config under
``config/`` (the pipeline config with its stages included) and every app under ``examples/``. The CLI runs are slow
(Node start-up, jsii, compliance packs), so one module-scoped fixture runs them all, two at a time, and the tests
read the results.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from sagemaker_platform.config import PlatformConfig, load_config, user_stack_of
from tests.conftest import ROOT

CDK = ROOT / "node_modules" / ".bin" / "cdk"
CONFIGS = sorted(ROOT.glob("config/**/*.yaml"))
EXAMPLES = sorted(p.parent for p in ROOT.glob("examples/*/cdk.json"))
# The stacks each example app defines (a new example must be added here).
EXAMPLE_STACKS = {"byo_vpc_studio": {"byo-vpc-studio"}, "single_endpoint": {"single-endpoint"}}
# What a lookup or a credential search prints; none may appear.
LOOKUP_MARKERS = ("Need to perform AWS calls", "Missing context keys", "Context lookups have been disabled")


@dataclass(frozen=True)
class Target:
    name: str
    cwd: Path
    args: tuple[str, ...]


@dataclass(frozen=True)
class Run:
    target: Target
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    outdir: Path


def _targets() -> list[Target]:
    targets = [
        Target(str(p.relative_to(ROOT)), ROOT, ("-c", f"config={p.relative_to(ROOT).as_posix()}")) for p in CONFIGS
    ]
    targets += [Target(f"examples/{p.name}", p, ()) for p in EXAMPLES]
    return targets


TARGETS = _targets()


def offline_env(home: Path) -> dict[str, str]:
    """The process environment of a machine with no AWS credentials: no AWS_* variables, and a HOME without
    ~/.aws or ~/.cdk, so neither the CLI nor the app can find a profile, SSO cache or CDK user config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    home.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "HOME": str(home),
            "PATH": f"{ROOT / 'node_modules' / '.bin'}:{Path(sys.executable).parent}:{env.get('PATH', '')}",
            "CDK_DISABLE_VERSION_CHECK": "1",
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
            # No instance-metadata fallback either: credentials cannot come from anywhere.
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": str(home / ".aws" / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(home / ".aws" / "credentials"),
        }
    )
    return env


def run_cli(target: Target, outdir: Path, env: dict[str, str], *extra: str) -> Run:
    start = time.monotonic()
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--no-lookups", *target.args, *extra, "--output", str(outdir)],
        cwd=target.cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return Run(target, result.returncode, result.stdout, result.stderr, time.monotonic() - start, outdir)


def _cost(target: Target) -> int:
    """Start the slowest synths first so two workers finish together."""
    return 0 if "large" in target.name or "pipeline" in target.name else 1


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """One CLI synth per target, two at a time (2 cores), shared by every test of this module."""
    if not CDK.exists():
        pytest.fail("the pinned CDK CLI is missing: run `make setup` (npm ci)")
    base = tmp_path_factory.mktemp("offline")
    env = offline_env(base / "home")
    context_files = {t.cwd / "cdk.context.json" for t in TARGETS}
    existing = {f for f in context_files if f.exists()}
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {
                t.name: pool.submit(run_cli, t, base / f"out-{i}", env)
                for i, t in sorted(enumerate(TARGETS), key=lambda it: _cost(it[1]))
            }
            return {name: future.result() for name, future in futures.items()}
    finally:
        for created in context_files - existing:  # the CLI saves an empty context file next to cdk.json
            if created.exists() and json.loads(created.read_text(encoding="utf-8") or "{}") == {}:
                created.unlink()


def expected_stacks(config: PlatformConfig) -> set[str]:
    """The stack names ``build_platform`` gives a (non-pipeline) config."""
    prefix = config.platform.prefix
    names = {f"{prefix}-network", f"{prefix}-studio"}
    names |= {f"{prefix}-users-{user_stack_of(u.name, config.platform.user_stacks) + 1}" for u in config.users}
    if config.endpoints:
        names.add(f"{prefix}-hosting")
    if config.governance.model_package_groups or config.governance.model_cards:
        names.add(f"{prefix}-governance")
    return names


def assembly(outdir: Path) -> tuple[dict, set[str], dict[str, set[str]]]:
    """The manifest, its stack names, and the stack names of each nested (stage) assembly."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks: set[str] = set()
    nested: dict[str, set[str]] = {}
    for name, artifact in manifest["artifacts"].items():
        if artifact["type"] == "aws:cloudformation:stack":
            stacks.add(artifact["properties"].get("stackName", name))
            assert (outdir / artifact["properties"]["templateFile"]).is_file()
        elif artifact["type"] == "cdk:cloud-assembly":
            _, nested[name], _ = assembly(outdir / artifact["properties"]["directoryName"])
    return manifest, stacks, nested


@pytest.mark.cli
@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.name)
def test_synthesizes_offline_without_credentials(runs: dict[str, Run], target: Target) -> None:
    run = runs[target.name]
    output = run.stdout[-3000:] + run.stderr[-3000:]
    assert run.returncode == 0, output
    assert not any(marker in output for marker in LOOKUP_MARKERS), output
    assert "Traceback" not in output, output
    manifest, stacks, nested = assembly(run.outdir)
    assert "missing" not in manifest, f"context lookups requested: {manifest['missing']}"

    if target.cwd != ROOT:
        assert stacks == EXAMPLE_STACKS[target.cwd.name]
        return
    config = load_config(ROOT / target.name)
    if not config.pipeline.enabled:
        assert stacks == expected_stacks(config)
        assert not nested
        return
    assert stacks == {f"{config.platform.prefix}-pipeline"}
    stages = {}
    for env in config.pipeline.environments:
        stage_config = load_config(config.source_dir / env.config)
        stages[f"assembly-{config.platform.prefix}-pipeline-{env.name}"] = expected_stacks(stage_config)
    assert nested == stages


def test_every_shipped_config_and_example_is_a_target() -> None:
    assert len(CONFIGS) >= 6, CONFIGS  # default, examples/{full,large,pipeline}, environments/{dev,prod}
    assert {p.name for p in EXAMPLES} == set(EXAMPLE_STACKS)
    assert {t.name for t in TARGETS} >= {"config/examples/pipeline.yaml", "config/environments/dev.yaml"}


def test_the_environment_has_no_credentials(tmp_path: Path) -> None:
    env = offline_env(tmp_path / "home")
    assert not {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"} & set(env)
    assert env["HOME"] == str(tmp_path / "home")
    assert not (tmp_path / "home" / ".aws").exists() and not (tmp_path / "home" / ".cdk").exists()


@pytest.mark.cli
def test_synth_times(runs: dict[str, Run]) -> None:
    """Not a benchmark: a guard that the whole set stays within the test budget on a busy 2-core machine."""
    total = sum(r.seconds for r in runs.values())
    assert total < 600, {name: round(r.seconds, 1) for name, r in runs.items()}

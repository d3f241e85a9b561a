"""Shared fixtures: apps built with cdk.json's context, one synthesis per example config per session."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import cx_api

from sagemaker_platform.cdk_context import new_app
from sagemaker_platform.config import PlatformConfig, load_config
from sagemaker_platform.stacks.platform import Platform, build_platform

ROOT = Path(__file__).resolve().parent.parent
# Platform configs (a pipeline config is covered by its own tests: its stacks live in the pipeline's stages).
EXAMPLE_CONFIGS = sorted(
    p for p in [ROOT / "config" / "default.yaml", *(ROOT / "config" / "examples").glob("*.yaml")]
    if not load_config(p).pipeline.enabled
)


class Synthesized:
    """One example config, built and synthesized once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.config: PlatformConfig = load_config(path)
        self.app = new_app()
        self.platform: Platform = build_platform(self.app, self.config)
        self.assembly = self.app.synth()

    def template(self, stack: cdk.Stack | cx_api.CloudFormationStackArtifact) -> dict:
        if isinstance(stack, cdk.Stack):
            return self.assembly.get_stack_artifact(stack.artifact_id).template
        return stack.template


_cache: dict[Path, Synthesized] = {}


def synthesized(path: Path) -> Synthesized:
    if path not in _cache:
        _cache[path] = Synthesized(path)
    return _cache[path]


@pytest.fixture(scope="session")
def default_platform() -> Synthesized:
    return synthesized(ROOT / "config" / "default.yaml")


@pytest.fixture(params=EXAMPLE_CONFIGS, ids=lambda p: p.stem, scope="session")
def example(request: pytest.FixtureRequest) -> Synthesized:
    return synthesized(request.param)


@pytest.fixture
def stack() -> cdk.Stack:
    """A bare stack in an app with the CLI's context, for construct tests (no compliance packs)."""
    return cdk.Stack(new_app(), "Test", env=cdk.Environment(account="111111111111", region="eu-west-1"))

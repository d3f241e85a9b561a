"""The example apps in examples/ synthesize (compliance packs included), using the package from this repo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"


def synth_example(name: str, outdir: Path) -> dict[str, dict]:
    """Run ``python app.py`` in the example's folder as the CDK CLI would; return its templates by stack name."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_"))}
    env.update({"PYTHONPATH": str(ROOT), "CDK_OUTDIR": str(outdir), "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"})
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=EXAMPLES / name, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((outdir / "manifest.json").read_text())
    return {
        key: json.loads((outdir / artifact["properties"]["templateFile"]).read_text())
        for key, artifact in manifest["artifacts"].items()
        if artifact["type"] == "aws:cloudformation:stack"
    }


def _types(template: dict) -> set[str]:
    return {r["Type"] for r in template["Resources"].values()}


def test_byo_vpc_studio(tmp_path: Path) -> None:
    templates = synth_example("byo_vpc_studio", tmp_path)
    template = templates["byo-vpc-studio"]
    assert {
        "AWS::SageMaker::Domain",
        "AWS::SageMaker::UserProfile",
        "AWS::SageMaker::Space",
        "AWS::SageMaker::StudioLifecycleConfig",
        "AWS::EC2::VPCEndpoint",
    } <= _types(template)
    assert "AWS::EC2::VPC" not in _types(template), "the VPC is imported by id"
    (domain,) = [r for r in template["Resources"].values() if r["Type"] == "AWS::SageMaker::Domain"]
    assert domain["Properties"]["VpcId"] == "vpc-0a1b2c3d4e5f60718"
    assert domain["Properties"]["SubnetIds"] == ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]


def test_single_endpoint(tmp_path: Path) -> None:
    templates = synth_example("single_endpoint", tmp_path)
    types = _types(templates["single-endpoint"])
    assert {
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Endpoint",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        "AWS::CloudWatch::Alarm",
    } <= types

"""The package works without this repo: copied alone into another CDK app, and installed as a wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "sagemaker_platform"

VENDORED_APP = """
import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms

from sagemaker_platform.constructs.domain import StudioDomain
from sagemaker_platform.constructs.endpoint import ModelEndpoint, ModelEndpointProps, ProductionVariant
from sagemaker_platform.constructs.lifecycle_config import LifecycleConfig
from sagemaker_platform.constructs.model import Model

app = cdk.App()
stack = cdk.Stack(app, "Vendored", env=cdk.Environment(account="111111111111", region="eu-west-1"))
key = kms.Key(stack, "Key", enable_key_rotation=True)
role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
lcc = LifecycleConfig(stack, "Lcc", name="hello", app_type="JupyterLab", script="#!/bin/bash\\necho hello\\n")
vpc = ec2.Vpc.from_vpc_attributes(
    stack, "Vpc", vpc_id="vpc-0a1b2c3d4e5f60718", availability_zones=["eu-west-1a", "eu-west-1b"],
    isolated_subnet_ids=["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"],
)
domain = StudioDomain(
    stack, "Domain", domain_name="vendored", vpc=vpc,
    security_groups=[ec2.SecurityGroup.from_security_group_id(stack, "Sg", "sg-0a1b2c3d4e5f60718")],
    default_execution_role=role, encryption_key=key, lifecycle_configs=[lcc],
)
domain.add_user_profile("User", user_profile_name="ana", execution_role=role)
model = Model(stack, "Model", name_prefix="demo", image="111111111111.dkr.ecr.eu-west-1.amazonaws.com/demo:1",
              model_data_url="s3://demo-models-111111111111/model.tar.gz")
ModelEndpoint(stack, "Endpoint", props=ModelEndpointProps(
    endpoint_name="demo", model=model, variants=[ProductionVariant(instance_type="ml.m5.large")], encryption_key=key,
))
app.synth()
"""


def test_vendored_package_synthesizes_without_the_repo(tmp_path: Path) -> None:
    """Only the package folder, a minimal app.py, no config file, no cdk.json: the constructs still synthesize."""
    shutil.copytree(PACKAGE, tmp_path / "sagemaker_platform", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "app.py").write_text(VENDORED_APP, encoding="utf-8")
    out = tmp_path / "cdk.out"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "PYTHON"))}
    env.update(
        {
            "PYTHONPATH": str(tmp_path),
            "CDK_OUTDIR": str(out),
            "PYTHONNOUSERSITE": "1",
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
        }
    )
    probe = subprocess.run(
        [sys.executable, "-c", "import sagemaker_platform; print(sagemaker_platform.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert Path(probe.stdout.strip()).is_relative_to(tmp_path), "the repo's copy must not be imported"
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    template = json.loads((out / manifest["artifacts"]["Vendored"]["properties"]["templateFile"]).read_text())
    types = {r["Type"] for r in template["Resources"].values()}
    assert {
        "AWS::SageMaker::Domain",
        "AWS::SageMaker::UserProfile",
        "AWS::SageMaker::StudioLifecycleConfig",
        "AWS::SageMaker::Model",
        "AWS::SageMaker::EndpointConfig",
        "AWS::SageMaker::Endpoint",
    } <= types


def test_wheel_includes_handlers_and_scripts(tmp_path: Path) -> None:
    """`pip install .` ships the Lambda handlers and the lifecycle scripts the constructs load from disk."""
    src = tmp_path / "src"
    # Build from a clean copy of what the wheel is made of, so no build/ or egg-info lands in the repo.
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(
            "node_modules",
            ".venv",
            "cdk.out",
            ".git",
            "__pycache__",
            "*.egg-info",
            "build",
            ".*_cache",
            "tests",
            "benchmarks",
            "docs",
            "examples",
        ),
    )
    dist = tmp_path / "dist"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            ".",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(dist),
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = dist.glob("sagemaker_platform-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "sagemaker_platform/lambda/studio_teardown.py",
        "sagemaker_platform/lambda/_common.py",
        "sagemaker_platform/lcc/git-identity.sh",
        "sagemaker_platform/constructs/domain.py",
        "sagemaker_platform/py.typed",
    ):
        assert required in names, required
    assert not [n for n in names if n.startswith(("tests/", "examples/", "benchmarks/"))]


BLOCK_CDK_NAG = """
import importlib.abc
import sys


class _NoCdkNag(importlib.abc.MetaPathFinder):
    # As if cdk-nag were not installed (the package's optional [compliance] extra).
    def find_spec(self, name, path=None, target=None):
        if name == "cdk_nag" or name.startswith("cdk_nag."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _NoCdkNag())
"""

WITHOUT_CDK_NAG_APP = """
import io
import json
import pkgutil
import importlib

import aws_cdk as cdk

import sagemaker_platform
from sagemaker_platform.compliance import ComplianceUnavailable, apply_compliance
from sagemaker_platform.config import load_config
from sagemaker_platform.main import main
from sagemaker_platform.stacks.platform import build_platform

try:
    import cdk_nag  # noqa: F401
    blocked = False
except ImportError:
    blocked = True
modules = [m.name for m in pkgutil.walk_packages(sagemaker_platform.__path__, "sagemaker_platform.")
           if ".lambda" not in m.name and not m.name.endswith("__main__")]
for name in modules:
    importlib.import_module(name)

exec(open("vendored_app.py").read())  # the constructs on their own

platform_app = cdk.App(outdir="platform.out")
build_platform(platform_app, load_config("config/default.yaml"), compliance=False)
assembly = platform_app.synth()
try:
    apply_compliance(platform_app)
    packs = "attached"
except ComplianceUnavailable as exc:
    packs = str(exc)
err = io.StringIO()
code = main("config/default.yaml", outdir="main.out", context={}, stderr=err)
print(json.dumps({"blocked": blocked, "modules": len(modules), "stacks": [s.stack_name for s in assembly.stacks],
                  "packs": packs, "main": [code, err.getvalue()]}))
"""


def test_constructs_and_stacks_work_without_cdk_nag(tmp_path: Path) -> None:
    """cdk-nag is an optional extra: without it every module imports and the constructs and stacks synthesize;
    only attaching the packs fails, in one line naming the extra to install."""
    shutil.copytree(PACKAGE, tmp_path / "sagemaker_platform", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "config").mkdir()
    shutil.copy(ROOT / "config" / "default.yaml", tmp_path / "config" / "default.yaml")
    (tmp_path / "sitecustomize.py").write_text(BLOCK_CDK_NAG, encoding="utf-8")
    (tmp_path / "vendored_app.py").write_text(VENDORED_APP, encoding="utf-8")
    (tmp_path / "app.py").write_text(WITHOUT_CDK_NAG_APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDK_", "PYTHON"))}
    env.update({"PYTHONPATH": str(tmp_path), "CDK_OUTDIR": str(tmp_path / "cdk.out"), "PYTHONNOUSERSITE": "1",
                "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1"})
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["blocked"] is True
    assert report["modules"] > 30
    assert len(report["stacks"]) >= 2 and any(name.endswith("-studio") for name in report["stacks"])
    assert "pip install 'sagemaker-platform[compliance]'" in report["packs"]
    code, message = report["main"]
    assert code == 1 and len(message.splitlines()) == 1, message
    assert message.startswith("error: the compliance packs need cdk-nag") and "[compliance]" in message
    assert not (tmp_path / "main.out").exists()

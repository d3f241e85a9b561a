"""The real CDK CLI synthesizes the default config offline, as `make synth` does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.mark.cli
def test_cdk_cli_synth_default_config(tmp_path: Path) -> None:
    cdk = ROOT / "node_modules" / ".bin" / "cdk"
    if not cdk.exists():
        pytest.fail("the pinned CDK CLI is missing: run `make setup` (npm ci)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        {
            "PATH": f"{ROOT / 'node_modules' / '.bin'}:{Path(os.sys.executable).parent}:{env.get('PATH', '')}",
            "CDK_DISABLE_VERSION_CHECK": "1",
            "AWS_EC2_METADATA_DISABLED": "true",
        }
    )
    out = tmp_path / "cdk.out"
    result = subprocess.run(
        [str(cdk), "synth", "--quiet", "--no-lookups", "-c", "config=config/default.yaml", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    stacks = {k for k, v in manifest["artifacts"].items() if v["type"] == "aws:cloudformation:stack"}
    assert {"mlp-dev-network", "mlp-dev-studio", "mlp-dev-users-1"} <= stacks
    assert "missing" not in manifest
    node = subprocess.run([str(ROOT / "node_modules" / ".bin" / "node"), "--version"], capture_output=True, text=True)
    assert node.stdout.startswith("v22."), node.stdout
    shutil.rmtree(out)

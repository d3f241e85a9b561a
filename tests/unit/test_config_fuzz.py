"""Property: whatever is done to an example config, the app either synthesizes a valid assembly (exit 0) or prints
one line naming the file and exits 2 without writing an assembly. Never a traceback.

The mutations run in-process through :func:`sagemaker_platform.main.main`, the function ``app.py`` calls, so a
hundred and more of them fit in the test budget; tests/template/test_cli.py runs a few file-level failures through
the real CLI. Mutations: drop, duplicate (as a repeated YAML key), retype or re-nest a value, put extreme numbers or
odd strings (unicode, controls, full-width digits, token markers) in it, add unknown keys, and break the bytes
(non-UTF-8, truncation, empty file).
"""

from __future__ import annotations

import copy
import io
import json
import math
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sagemaker_platform.cdk_context import cli_context
from sagemaker_platform.main import main

ROOT = Path(__file__).resolve().parents[2]
BASES = {
    name: yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    for name in (
        "config/default.yaml", "config/examples/full.yaml", "config/examples/enterprise.yaml",
        "config/environments/dev.yaml",
    )
}
OUTCOMES: Counter[str] = Counter()
OPERATIONS_SEEN: Counter[str] = Counter()

ODD_STRINGS = [
    "", " ", "x" * 300, "\x00", "a\nb", "\u202e", "-1", "1e999", "null", "../../etc/passwd", "\U0001f642",
    "\uff11\uff12\uff13",  # full-width digits
    "\uff34\uff52\uff55\uff45",  # full-width "True"
    "\u210c\U0001d522\U0001d529\U0001d529\U0001d52c",  # letters from another block
    "${Token[TOKEN.1]}", "aws:owner", "eu-west-9", "ml.m5.xlarg", "cron(0 7 * * * *)", "rate(0 minutes)",
    "10.0.0.0/22", "sagemaker.api", "s3", "notebook",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**53 + 1, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(ODD_STRINGS),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=6,
)
OPERATIONS = ("drop", "retype", "extreme", "odd_string", "nest", "unnest", "unknown_key", "duplicate_key",
              "non_utf8", "truncate", "empty", "bom")


def _paths(tree: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every node's path (keys and indices) in a YAML tree, the root excluded."""
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) if isinstance(tree, list) else ()
    for key, child in children:
        yield (*prefix, key)
        yield from _paths(child, (*prefix, key))


def _parent(tree: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        tree = tree[key]
    return tree


def _mutate(data: st.DataObject) -> tuple[str, bytes]:
    """One mutation of one example config, as (operation, file bytes)."""
    name = data.draw(st.sampled_from(sorted(BASES)), label="base")
    tree = copy.deepcopy(BASES[name])
    operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
    paths = list(_paths(tree))
    path = data.draw(st.sampled_from(paths), label="path")
    parent, key = _parent(tree, path), path[-1]
    text: str | None = None
    if operation == "drop":
        del parent[key]
    elif operation == "retype":
        parent[key] = data.draw(VALUES, label="value")
    elif operation == "extreme":
        parent[key] = data.draw(
            st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -(2**63), 2**64, 10**100, -0.0, True]),
            label="number",
        )
    elif operation == "odd_string":
        parent[key] = data.draw(st.sampled_from(ODD_STRINGS) | st.text(min_size=1, max_size=80), label="text")
    elif operation == "nest":
        parent[key] = data.draw(st.sampled_from([[parent[key]], {"value": parent[key]}]), label="nested")
    elif operation == "unnest":
        value = parent[key]
        parent[key] = (value[0] if value else None) if isinstance(value, list) else next(iter(value.values()), None) \
            if isinstance(value, dict) else value
    elif operation == "unknown_key":
        target = parent if isinstance(parent, dict) else tree
        target[data.draw(st.sampled_from(["extra", "Users", "user_stack", "region "]), label="key")] = 1
    if operation == "duplicate_key":
        lines = yaml.safe_dump(tree, sort_keys=False, allow_unicode=True).splitlines()
        keyed = [i for i, line in enumerate(lines) if line.lstrip(" -").split(":")[0].isidentifier()]
        i = data.draw(st.sampled_from(keyed), label="line")
        indent = " " * (len(lines[i]) - len(lines[i].lstrip(" -")))
        duplicate = indent + lines[i].lstrip(" -")
        lines.insert(i + 1, duplicate)
        text = "\n".join(lines) + "\n"
    text = text if text is not None else yaml.safe_dump(tree, sort_keys=False, allow_unicode=True)
    raw = text.encode("utf-8")
    if operation == "non_utf8":
        at = data.draw(st.integers(0, len(raw)), label="at")
        bad = data.draw(st.sampled_from([b"\xff", b"\xc3", b"\xe9", b"\xed\xa0\x80"]), label="byte")
        raw = raw[:at] + bad + raw[at:]
    elif operation == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw)), label="at")]
    elif operation == "empty":
        raw = data.draw(st.sampled_from([b"", b"\n", b"# only a comment\n", b"---\n"]), label="empty")
    elif operation == "bom":
        raw = b"\xef\xbb\xbf" + raw
    return f"{name}:{operation}", raw


def run_main(config: Path, outdir: Path) -> tuple[int, str]:
    err = io.StringIO()
    code = main(str(config), outdir=outdir, context={**cli_context(), "config": str(config)}, stderr=err)
    return code, err.getvalue()


def check_outcome(config: Path, outdir: Path, code: int, stderr: str) -> str:
    """The property; returns "synthesized" or "one line"."""
    if code == 0:
        assert stderr == ""
        manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
        stacks = [a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"]
        assert stacks and all((outdir / a["properties"]["templateFile"]).is_file() for a in stacks)
        return "synthesized"
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"config error: {config}: "), lines[0]
    assert not outdir.exists(), "a failed run must not write an assembly"
    return "one line"


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure here is a regression, not luck
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_config_synthesizes_or_fails_in_one_line(data: st.DataObject) -> None:
    label, raw = _mutate(data)
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "mutated.yaml"
        config.write_bytes(raw)
        outdir = Path(folder) / "cdk.out"
        code, stderr = run_main(config, outdir)
        outcome = check_outcome(config, outdir, code, stderr)
        OUTCOMES[outcome] += 1
        OUTCOMES["tried"] += 1
        OPERATIONS_SEEN[f"{label.split(':')[1]}: {outcome}"] += 1


def test_pipeline_environment_errors_name_the_environment_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error inside a pipeline stage (here: a new VPC with an account and region but no zones) names the
    environment's own file, not the pipeline config."""
    monkeypatch.chdir(tmp_path)  # the pipeline config must lie under the working directory (the repository)
    (tmp_path / "environments").mkdir()
    dev = copy.deepcopy(BASES["config/environments/dev.yaml"])
    del dev["network"]["availability_zones"]
    (tmp_path / "environments" / "dev.yaml").write_text(yaml.safe_dump(dev))
    pipeline = yaml.safe_load((ROOT / "config" / "examples" / "pipeline.yaml").read_text(encoding="utf-8"))
    pipeline["pipeline"]["environments"] = [pipeline["pipeline"]["environments"][0]]
    pipeline["pipeline"]["environments"][0]["config"] = "environments/dev.yaml"
    (tmp_path / "pipeline.yaml").write_text(yaml.safe_dump(pipeline))
    err = io.StringIO()
    code = main("pipeline.yaml", outdir=tmp_path / "out", context={**cli_context(), "config": "pipeline.yaml"},
                stderr=err)
    assert code == 2
    assert err.getvalue().startswith(
        "config error: environments/dev.yaml: network.availability_zones: required for a new VPC in account "
        "111111111111 region eu-west-1"
    ), err.getvalue()
    assert len(err.getvalue().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_outcome_summary() -> None:
    """Prints how many mutations ran and how each ended (run with -s to see it)."""
    if not OUTCOMES["tried"]:
        pytest.skip("the property test did not run in this session")
    print(f"\nconfig mutations: {dict(OUTCOMES)}\nby operation: {dict(sorted(OPERATIONS_SEEN.items()))}")
    assert OUTCOMES["tried"] >= 100
    assert OUTCOMES["synthesized"] + OUTCOMES["one line"] == OUTCOMES["tried"]


# ------------------------------------------------------------------------------------------ explicit cases
def _write(folder: Path, data: dict) -> Path:
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"app_network_access_type": "PublicInternetOnly"}, "SageMakerPlatform-SM1"),
        ({"docker_access": True}, "SageMakerPlatform-SM4"),
        ({"idle_shutdown": {"enabled": False}}, "SageMakerPlatform-SM3"),
    ],
    ids=["public-internet", "docker", "idle-shutdown-off"],
)
def test_options_the_readme_lists_synthesize_with_their_finding_accepted(
    tmp_path: Path, change: dict, rule: str
) -> None:
    from sagemaker_platform.report import accepted_findings

    data = copy.deepcopy(BASES["config/default.yaml"])
    data["domain"].update(change)
    config = _write(tmp_path, data)
    code, stderr = run_main(config, tmp_path / "refused")
    assert code == 2 and rule in stderr and not (tmp_path / "refused").exists()

    data["compliance"] = {"accept": [{"rule": rule, "reason": "the team needs it; reviewed by security"}]}
    config = _write(tmp_path, data)
    outdir = tmp_path / "cdk.out"
    code, stderr = run_main(config, outdir)
    assert (code, stderr) == (0, "")
    ((accepted_rule, reason, stacks),) = accepted_findings(outdir)
    assert accepted_rule == rule and reason.endswith("the team needs it; reviewed by security")
    assert "mlp-dev-studio" in stacks


def test_resource_budget_names_the_field(tmp_path: Path) -> None:
    data = copy.deepcopy(BASES["config/default.yaml"])
    data["spaces"] = [{"name": f"space-{i:03d}"} for i in range(480)]
    config = _write(tmp_path, data)
    code, stderr = run_main(config, tmp_path / "cdk.out")
    assert code == 2
    assert stderr.startswith(f"config error: {config}: spaces: stack mlp-dev-studio would hold "), stderr
    assert "CloudFormation allows 500 per stack (got 480)" in stderr
    assert len(stderr.splitlines()) == 1 and not (tmp_path / "cdk.out").exists()


def test_successful_run_replaces_an_earlier_assembly(tmp_path: Path) -> None:
    outdir = tmp_path / "cdk.out"
    (outdir / "asset.old").mkdir(parents=True)
    (outdir / "manifest.json").write_text("{}")
    (outdir / "synth.lock").write_text("")
    code, stderr = run_main(ROOT / "config" / "default.yaml", outdir)
    assert (code, stderr) == (0, "")
    manifest = json.loads((outdir / "manifest.json").read_text())
    assert "mlp-dev-studio" in manifest["artifacts"]
    assert (outdir / "synth.lock").exists(), "files the CLI owns stay"
    assert not list(tmp_path.glob(".cdk.out.staging-*")), "the staging folder is removed"


def test_construct_and_cdk_errors_become_config_errors() -> None:
    from sagemaker_platform.config import ConfigError
    from sagemaker_platform.stacks.platform import config_field

    with pytest.raises(ConfigError) as info, config_field("network"):
        raise ValueError("StudioNetwork max_azs: must be between 2 and 6 (got 9)")
    assert info.value.path == "network" and "max_azs" in info.value.message
    with pytest.raises(ConfigError) as info, config_field("endpoints"):
        raise RuntimeError("ValidationError: something the CDK rejects\n  at line 2")
    assert info.value.message == "something the CDK rejects at line 2"
    with pytest.raises(KeyError), config_field("domain"):
        raise KeyError("a bug is not reported as bad input")


def test_compliance_failure_names_field_and_file(tmp_path: Path) -> None:
    """A finding the config did not foresee still ends in one line: the rule, the construct, the section."""
    from sagemaker_platform.config import load_config
    from sagemaker_platform.main import _compliance_error, _Origin

    config = load_config(ROOT / "config" / "default.yaml")
    origins = [_Origin("mlp-dev-network", "mlp-dev-network", "a.yaml", config, "network"),
               _Origin("mlp-dev-studio", "mlp-dev-studio", "a.yaml", config, "domain")]
    violation = {"ruleName": "AwsSolutions-S1", "description": "The S3 Bucket has server access logs disabled.",
                 "violatingConstructs": [{"constructPath": "mlp-dev-studio/Bucket/Resource"}]}
    report = {"pluginReports": [{"pluginName": "AwsSolutions", "conclusion": "failure",
                                 "violations": [violation, violation]}]}
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    err = _compliance_error(tmp_path, origins)
    assert err is not None and err.source == "a.yaml" and err.path == "domain"
    assert "AwsSolutions-S1 fails on mlp-dev-studio/Bucket/Resource" in err.message
    assert "(and 1 more findings)" in err.message and "compliance.accept" in err.message
    violation["ruleName"] = "SageMakerPlatform-SM1"
    (tmp_path / "validation-report.json").write_text(json.dumps(report))
    err = _compliance_error(tmp_path, origins)
    assert err is not None and err.path == "domain.app_network_access_type" and err.value == "VpcOnly"


def test_zones_from_committed_context(tmp_path: Path) -> None:
    """An environment without network.availability_zones synthesizes when its zones are committed as context
    (what `cdk synth` with credentials saves), and fails in one line when they are not."""
    data = copy.deepcopy(BASES["config/environments/dev.yaml"])
    del data["network"]["availability_zones"]
    config = _write(tmp_path, data)
    key = "availability-zones:account=111111111111:region=eu-west-1"
    err = io.StringIO()
    code = main(str(config), outdir=tmp_path / "without", context={**cli_context(), "config": str(config)}, stderr=err)
    assert code == 2 and f"commit the context key '{key}'" in err.getvalue()
    outdir = tmp_path / "with"
    context = {**cli_context(), "config": str(config), key: ["eu-west-1b", "eu-west-1c", "eu-west-1a"]}
    assert main(str(config), outdir=outdir, context=context, stderr=err) == 0
    template = json.loads((outdir / "mlp-dev-network.template.json").read_text())
    subnets = [r for r in template["Resources"].values() if r["Type"] == "AWS::EC2::Subnet"]
    zones = {r["Properties"]["AvailabilityZone"] for r in subnets}
    assert zones == {"eu-west-1b", "eu-west-1c"}  # max_azs (2) of the committed zones
    assert "missing" not in json.loads((outdir / "manifest.json").read_text())

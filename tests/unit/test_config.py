"""Config validation: each bad input gives one message naming the field path and the bad value."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sagemaker_platform.config import (
    USER_STACK_CAPACITY,
    ConfigError,
    PlatformConfig,
    json_schema,
    load_config,
    parse_config,
    user_stack_of,
)

ROOT = Path(__file__).resolve().parents[2]


def _base() -> dict:
    return yaml.safe_load((ROOT / "config" / "default.yaml").read_text())


def _error(data: dict) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="test.yaml")
    return info.value


def test_default_config_is_valid() -> None:
    cfg = load_config(ROOT / "config" / "default.yaml")
    assert cfg.platform.prefix == "mlp-dev"
    assert [u.persona for u in cfg.users] == ["data_scientist", "ml_engineer", "business_analyst"]
    assert cfg.domain.app_network_access_type == "VpcOnly"


@pytest.mark.parametrize(
    ("mutate", "path", "value"),
    [
        (lambda d: d["users"][1].__setitem__("name", "Bob_1"), "users[1].name", "'Bob_1'"),
        (lambda d: d["users"][0].__setitem__("persona", "wizard"), "users[0].persona", "'wizard'"),
        (lambda d: d["users"][0].__setitem__("nickname", "x"), "users[0].nickname", "'x'"),
        (lambda d: d["domain"].__setitem__("auth_mode", "LDAP"), "domain.auth_mode", "'LDAP'"),
        (
            lambda d: d["domain"]["idle_shutdown"].__setitem__("idle_timeout_minutes", "soon"),
            "domain.idle_shutdown.idle_timeout_minutes",
            "'soon'",
        ),
        (
            lambda d: d["domain"]["idle_shutdown"].__setitem__("idle_timeout_minutes", 30),
            "domain.idle_shutdown.idle_timeout_minutes",
            "30",
        ),
        (lambda d: d["network"].__setitem__("vpc_cidr", "10.0.0.0/8"), "network.vpc_cidr", "'10.0.0.0/8'"),
        (lambda d: d["platform"].__setitem__("account", "12345"), "platform.account", "'12345'"),
        (lambda d: d["spaces"][0].__setitem__("name", "team_lab"), "spaces[0].name", "'team_lab'"),
        (lambda d: d.__setitem__("extra_section", {}), "extra_section", "{}"),
    ],
)
def test_bad_field_names_path_and_value(mutate, path: str, value: str) -> None:
    data = _base()
    mutate(data)
    err = _error(data)
    assert err.path == path
    assert f"(got {value})" in str(err)
    assert str(err).startswith(f"test.yaml: {path}: ")
    assert "\n" not in str(err)


def test_duplicate_user_names_case_insensitively() -> None:
    data = _base()
    data["users"].append({"name": "Ana-Scientist", "persona": "data_scientist"})
    err = _error(data)
    assert err.path == "users[3].name"
    assert "duplicate user" in err.message and "users[0].name" in err.message
    assert err.value == "ana-scientist"


def test_duplicate_space_across_shared_and_private() -> None:
    data = _base()
    data["spaces"].append({"name": "ana-lab"})
    err = _error(data)
    assert err.path == "spaces[1].name"
    assert "users[0].private_spaces[0].name" in err.message


def test_unknown_lifecycle_config_reference() -> None:
    data = _base()
    data["users"][1]["lifecycle_configs"] = ["nope"]
    err = _error(data)
    assert err.path == "users[1].lifecycle_configs[0]"
    assert "git-identity" in err.message and err.value == "nope"


def test_space_default_lifecycle_config_must_match_app_type() -> None:
    data = _base()
    data["spaces"][0]["default_lifecycle_config"] = "pip-index"  # a CodeEditor script on a JupyterLab space
    err = _error(data)
    assert err.path == "spaces[0].default_lifecycle_config"
    assert "CodeEditor" in err.message


def test_two_defaults_for_one_app_type() -> None:
    data = _base()
    data["domain"]["lifecycle_configs"].append(
        {"name": "second", "app_type": "JupyterLab", "builtin": "git-identity", "default": True}
    )
    err = _error(data)
    assert err.path == "domain.lifecycle_configs[2].default"


def test_lifecycle_config_needs_exactly_one_source() -> None:
    data = _base()
    data["domain"]["lifecycle_configs"][0]["script"] = "x.sh"
    err = _error(data)
    assert err.path == "domain.lifecycle_configs[0]"
    assert "exactly one" in err.message


def test_sso_requires_user_names_and_iam_rejects_them() -> None:
    data = _base()
    data["domain"]["auth_mode"] = "SSO"
    assert _error(data).path == "users[0].sso_user_name"
    data = _base()
    data["users"][0]["sso_user_name"] = "ana@example.com"
    err = _error(data)
    assert err.path == "users[0].sso_user_name" and err.value == "ana@example.com"


def test_business_analyst_needs_canvas() -> None:
    data = _base()
    data["domain"]["canvas"]["enabled"] = False
    err = _error(data)
    assert err.path == "users[2].persona" and err.value == "business_analyst"


def test_imported_vpc_needs_two_zones() -> None:
    data = _base()
    data["network"] = {
        "vpc_id": "vpc-0123456789abcdef0",
        "subnets": [
            {"id": "subnet-0123456789abcdef0", "availability_zone": "eu-west-1a"},
            {"id": "subnet-0123456789abcdef1", "availability_zone": "eu-west-1a"},
        ],
    }
    err = _error(data)
    assert err.path == "network"
    assert "two availability zones" in err.message


def test_too_few_user_stacks_for_many_users() -> None:
    data = _base()
    data["users"] = [{"name": f"user-{i:04d}"} for i in range(USER_STACK_CAPACITY + 1)]
    err = _error(data)
    assert err.path == "platform.user_stacks" and err.value == 1
    data["platform"]["user_stacks"] = 3
    assert isinstance(parse_config(data), PlatformConfig)


def test_user_stack_assignment_is_stable() -> None:
    names = [f"user-{i}" for i in range(50)]
    before = {n: user_stack_of(n, 4) for n in names}
    after = {n: user_stack_of(n, 4) for n in names[::2]}  # half the users removed
    assert all(before[n] == after[n] for n in after)
    assert len(set(before.values())) == 4


def test_unreadable_and_invalid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the config file"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("platform: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: line \d+: not valid YAML"):
        load_config(bad)
    scalar = tmp_path / "scalar.yaml"
    scalar.write_text("just a string\n")
    with pytest.raises(ConfigError, match="must be a mapping"):
        load_config(scalar)


def test_app_exits_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    data = _base()
    data["users"][2]["name"] = "bea analyst"
    bad.write_text(yaml.safe_dump(data))
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({"config": str(bad)}),
        "CDK_OUTDIR": str(tmp_path / "out"),
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("b'")]
    errors = [line for line in lines if line.startswith("config error:")]
    assert errors == [
        f"config error: {bad}: users[2].name: String should match pattern "
        f"'^[a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}$' (got 'bea analyst')"
    ]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()


def test_schema_covers_every_section() -> None:
    schema = json_schema()
    assert set(schema["properties"]) == {
        "platform",
        "network",
        "domain",
        "users",
        "spaces",
        "teardown",
        "buckets",
        "endpoints",
        "governance",
        "pipeline",
        "compliance",
    }
    checked_in = ROOT / "config" / "schema.json"
    assert json.loads(checked_in.read_text()) == schema, "config/schema.json is stale: run `make schema`"

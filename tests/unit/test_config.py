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
    AWS_REGIONS,
    COMPLIANCE_PACKS,
    USER_STACK_CAPACITY,
    ConfigError,
    PlatformConfig,
    check_schedule,
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
        "hubs",
        "governance",
        "pipeline",
        "compliance",
        "mlflow",
    }
    checked_in = ROOT / "config" / "schema.json"
    assert json.loads(checked_in.read_text()) == schema, "config/schema.json is stale: run `make schema`"


# ------------------------------------------------------------------------------------------ strict input
def _file_error(tmp_path: Path, content: bytes) -> ConfigError:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    return info.value


def test_duplicate_yaml_key_names_its_line(tmp_path: Path) -> None:
    text = (ROOT / "config" / "default.yaml").read_text()
    lines = text.count("\n")
    err = _file_error(tmp_path, (text + "users: []\n").encode())
    first = text.splitlines().index("users:") + 1
    assert err.path == f"line {lines + 1}" and err.value == "users"
    assert f"duplicate key (first at line {first})" in err.message
    nested = _file_error(tmp_path, b"platform:\n  name: a\n  name: b\n")
    assert nested.path == "line 3" and nested.value == "name"


def test_yaml_merge_keys_are_not_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "merge.yaml"
    path.write_text("x-space: &space {app_type: JupyterLab}\nspaces:\n  - <<: *space\n    name: lab\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.path == "x-space" and info.value.message == "unknown key"  # reached the model: merge is fine


@pytest.mark.parametrize("content", [b"", b"\n", b"# only a comment\n", b"---\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    assert "the config file is empty" in _file_error(tmp_path, content).message


def test_non_utf8_bytes_name_line_and_byte(tmp_path: Path) -> None:
    err = _file_error(tmp_path, b"platform:\n  name: caf\xe9\n")
    assert err.path == "line 2" and "not UTF-8" in err.message and err.value == "e9"


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (ROOT / "config" / "default.yaml").read_bytes())
    assert load_config(path).platform.prefix == "mlp-dev"


@pytest.mark.parametrize(
    ("mutate", "path", "value"),
    [
        (lambda d: d["platform"].__setitem__("user_stacks", True), "platform.user_stacks", True),
        (lambda d: d["network"].__setitem__("max_azs", "2"), "network.max_azs", "2"),
        (lambda d: d["spaces"][0].__setitem__("ebs_gb", 20.0), "spaces[0].ebs_gb", 20.0),
        (lambda d: d["spaces"][0].__setitem__("ebs_gb", float("inf")), "spaces[0].ebs_gb", float("inf")),
        (lambda d: d["platform"].__setitem__("account", "\uff11" * 12), "platform.account", "\uff11" * 12),
        (lambda d: d["platform"].__setitem__("name", "\uff4d\uff4c\uff50"), "platform.name", "\uff4d\uff4c\uff50"),
        (lambda d: d["spaces"][0].__setitem__("display_name", "${Token[TOKEN.1]}"), "spaces[0].display_name",
         "${Token[TOKEN.1]}"),
        (lambda d: d["spaces"][0].__setitem__("display_name", "a\x07b"), "spaces[0].display_name", "a\x07b"),
    ],
)
def test_strict_types_and_plain_text(mutate, path: str, value: object) -> None:
    data = _base()
    mutate(data)
    err = _error(data)
    assert err.path == path
    assert err.value == value or (isinstance(value, float) and err.value == value)


def test_non_finite_float() -> None:
    data = yaml.safe_load((ROOT / "config" / "examples" / "full.yaml").read_text())
    data["endpoints"][0]["autoscaling"]["target_invocations_per_instance"] = float("nan")
    err = _error(data)
    assert err.path == "endpoints[0].autoscaling.target_invocations_per_instance"
    assert "finite" in err.message


@pytest.mark.parametrize(
    ("tags", "path"),
    [
        ({"aws:owner": "me"}, "platform.tags.aws:owner"),
        ({"AWS:owner": "me"}, "platform.tags.AWS:owner"),
        ({"": "x"}, "platform.tags."),
        ({"k" * 129: "x"}, "platform.tags." + "k" * 129),
        ({"team": "a;b"}, "platform.tags.team"),
        ({"team": "v" * 257}, "platform.tags.team"),
        ({"sagemaker-platform": "x"}, "platform.tags.sagemaker-platform"),
        ({f"k{i}": "v" for i in range(50)}, "platform.tags"),
    ],
)
def test_tags_follow_cloudformation_rules(tags: dict[str, str], path: str) -> None:
    data = _base()
    data["platform"]["tags"] = tags
    assert _error(data).path == path


def test_tags_accept_unicode_letters_and_allowed_punctuation() -> None:
    data = _base()
    data["platform"]["tags"] = {"Kostenstelle": "F\u00fchrung 1", "team/owner": "ml+ops@example.com", "empty": ""}
    assert parse_config(data).platform.tags["empty"] == ""


def test_region_must_be_known() -> None:
    data = _base()
    data["platform"]["region"] = "eu-west-9"
    err = _error(data)
    assert err.path == "platform.region" and err.value == "eu-west-9"
    data["platform"]["region"] = "eu-west-1"
    assert parse_config(data).platform.region == "eu-west-1"


def test_region_list_matches_botocore() -> None:
    """The list is written once in config.py; botocore (a test dependency here) is the reference."""
    import botocore

    partitions = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    known = {r for p in partitions["partitions"] for r in p["regions"] if not r.endswith("-global")}
    assert known == AWS_REGIONS


def _imported_network(*zones: str) -> dict:
    return {
        "vpc_id": "vpc-0123456789abcdef0",
        "subnets": [
            {"id": f"subnet-0123456789abcdef{i}", "availability_zone": zone} for i, zone in enumerate(zones)
        ],
    }


def test_subnet_zones_must_be_in_the_region() -> None:
    data = _base()
    data["platform"]["region"] = "eu-west-1"
    data["network"] = _imported_network("us-east-1a", "us-east-1b")
    err = _error(data)
    assert err.path == "network.subnets[0].availability_zone" and err.value == "us-east-1a"
    data["platform"]["region"] = None
    data["network"] = _imported_network("eu-west-1a", "us-east-1b")
    err = _error(data)
    assert err.path == "network.subnets[1].availability_zone" and "region of" in err.message
    data["network"] = _imported_network("xx-nowhere-1a", "xx-nowhere-1b")
    assert _error(data).path == "network.subnets[0].availability_zone"


def test_availability_zones_need_their_region() -> None:
    data = _base()
    del data["network"]["max_azs"]
    data["network"]["availability_zones"] = ["eu-west-1a", "eu-west-1b"]
    assert _error(data).path == "network.availability_zones"
    data["platform"]["region"] = "eu-west-2"
    err = _error(data)
    assert err.path == "network.availability_zones[0]" and "eu-west-2" in err.message
    data["platform"]["region"] = "eu-west-1"
    assert parse_config(data).network.zone_count == 2
    data["network"]["max_azs"] = 3
    assert "either max_azs or availability_zones" in _error(data).message
    data["network"]["max_azs"] = 2
    data["network"]["availability_zones"] = ["eu-west-1a", "eu-west-1a"]
    assert "duplicate entry" in _error(data).message


@pytest.mark.parametrize(("cidr", "zones", "ok"), [("10.0.0.0/22", 2, False), ("10.0.0.0/20", 2, False),
                                                      ("10.0.0.0/19", 2, True), ("10.0.0.0/19", 3, False),
                                                      ("10.0.0.0/18", 4, True), ("10.0.0.0/18", 5, False)])
def test_vpc_cidr_must_hold_a_subnet_per_zone(cidr: str, zones: int, ok: bool) -> None:
    data = _base()
    data["network"].update(vpc_cidr=cidr, max_azs=zones)
    if ok:
        assert parse_config(data).network.vpc_cidr == cidr
    else:
        err = _error(data)
        assert err.path == "network.vpc_cidr" and err.value == cidr and "too small" in err.message


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["sagemaker.apii"], "not a known interface endpoint service"),
        (["sts"], "the platform already adds this endpoint"),
        (["notebook"], "already adds this endpoint for Canvas"),
        (["s3"], "the platform already adds this endpoint"),
        (["studio"], "the platform already adds this endpoint"),
        (["glue", "glue"], "duplicate entry"),
    ],
)
def test_extra_interface_endpoints(extra: list[str], message: str) -> None:
    data = _base()
    data["network"]["extra_interface_endpoints"] = extra
    err = _error(data)
    assert err.path.startswith("network.extra_interface_endpoints") and message in err.message


def test_extra_interface_endpoints_known_and_new_are_accepted() -> None:
    data = _base()
    data["domain"]["canvas"]["enabled"] = False
    data["users"] = data["users"][:2]
    data["network"]["extra_interface_endpoints"] = ["notebook", "sagemaker.featurestore-runtime", "kms"]
    assert len(parse_config(data).network.extra_interface_endpoints) == 3


def test_endpoint_service_list_matches_the_cdk() -> None:
    """Every name the config accepts is one aws-cdk-lib knows, with the same service name."""
    import aws_cdk as cdk
    from aws_cdk import aws_ec2 as ec2

    from sagemaker_platform.vpc_rules import INTERFACE_ENDPOINT_SERVICES, service_prefix

    stack = cdk.Stack(cdk.App(), "S", env=cdk.Environment(account="111111111111", region="eu-west-1"))
    known = {}
    for attr in dir(ec2.InterfaceVpcEndpointAwsService):
        value = getattr(ec2.InterfaceVpcEndpointAwsService, attr)
        if attr.isupper() and isinstance(value, ec2.InterfaceVpcEndpointAwsService):
            known[value.short_name] = stack.resolve(value.name)
    regional = {n for n, full in known.items() if ".eu-west-1." in full}
    assert regional == INTERFACE_ENDPOINT_SERVICES
    for name in regional:
        assert known[name] == f"{service_prefix(name)}.eu-west-1.{name}", name


def test_space_volume_within_the_domain_maximum() -> None:
    data = _base()
    data["spaces"][0]["ebs_gb"] = 500
    err = _error(data)
    assert err.path == "spaces[0].ebs_gb" and err.value == 500 and "max_ebs_gb (100)" in err.message
    data["users"][0]["private_spaces"][0]["ebs_gb"] = 101
    data["spaces"][0]["ebs_gb"] = 20
    assert _error(data).path == "users[0].private_spaces[0].ebs_gb"


@pytest.mark.parametrize(
    "schedule",
    ["cron(0 7 ? * MON-FRI *)", "cron(0/15 * * * ? *)", "cron(0 18 L * ? *)", "cron(0 10 ? * 6#3 *)",
     "cron(30 8 15W * ? 2027)", "cron(0 0 ? JAN-MAR 2L *)", "rate(1 day)", "rate(5 minutes)",
     "at(2027-01-01T00:00:00)"],
)
def test_valid_schedules(schedule: str) -> None:
    assert check_schedule(schedule) == schedule


@pytest.mark.parametrize(
    "schedule",
    ["cron(0 7 * * * *)", "cron(0 7 ? * ? *)", "cron(0 7 ? * MON-FRI)", "cron(60 7 ? * MON *)",
     "cron(0 24 ? * MON *)", "cron(0 7 ? 13 MON *)", "cron(0 7 ? * FOO *)", "cron(0  7 ? * MON *)",
     "cron(0 7 ? * 6#6 *)", "cron(0/0 7 ? * MON *)", "cron(\uff10 7 ? * MON *)", "rate(1 days)",
     "rate(2 minute)", "rate(0 minutes)", "rate(5 weeks)", "at(2027-01-01)", "every day", ""],
)
def test_invalid_schedules(schedule: str) -> None:
    with pytest.raises(ValueError):
        check_schedule(schedule)


def _full() -> dict:
    return yaml.safe_load((ROOT / "config" / "examples" / "full.yaml").read_text())


def test_bad_schedule_and_duplicate_action_name_point_at_the_action() -> None:
    data = _full()
    data["endpoints"][0]["autoscaling"]["scheduled"][0]["schedule"] = "cron(0 7 * * * *)"
    err = _error(data)
    assert err.path == "endpoints[0].autoscaling.scheduled[0].schedule"
    data = _full()
    actions = data["endpoints"][0]["autoscaling"]["scheduled"]
    actions.append(dict(actions[0]))
    err = _error(data)
    assert err.path == "endpoints[0].autoscaling.scheduled[1].name" and err.value == "BusinessHours"


@pytest.mark.parametrize(
    ("section", "key", "value"),
    [
        ("domain", "hidden_app_types", ["JupyterServer", "JupyterServer"]),
        ("domain", "vpc_only_trusted_accounts", ["222222222222", "222222222222"]),
        ("buckets", "merge_cors_into", ["a-bucket", "a-bucket"]),
    ],
)
def test_duplicate_list_entries(section: str, key: str, value: list[str]) -> None:
    data = _base()
    data.setdefault(section, {})[key] = value
    err = _error(data)
    assert err.path == f"{section}.{key}" and "duplicate entry" in err.message


def test_duplicate_pipeline_environment() -> None:
    data = yaml.safe_load((ROOT / "config" / "examples" / "pipeline.yaml").read_text())
    data["pipeline"]["environments"][1]["name"] = "dev"
    err = _error(data)
    assert err.path == "pipeline.environments[1].name" and err.value == "dev"


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        (("domain", "app_network_access_type"), "PublicInternetOnly", "SageMakerPlatform-SM1"),
        (("domain", "docker_access"), True, "SageMakerPlatform-SM4"),
        (("domain", "idle_shutdown", "enabled"), False, "SageMakerPlatform-SM3"),
    ],
)
def test_options_our_rules_flag_need_an_accepted_finding(field: tuple[str, ...], value: object, rule: str) -> None:
    data = _base()
    target = data
    for key in field[:-1]:
        target = target.setdefault(key, {})
    target[field[-1]] = value
    err = _error(data)
    assert err.path == ".".join(field) and rule in err.message and "compliance.accept" in err.message
    data["compliance"] = {"accept": [{"rule": rule, "reason": "this team needs it"}]}
    assert parse_config(data).compliance.accepts(rule)


@pytest.mark.parametrize(
    ("accept", "path", "message"),
    [
        ([{"rule": "SageMakerPlatform-SM1"}], "compliance.accept[0].reason", "Field required"),
        ([{"rule": "SageMakerPlatform-SM1", "reason": " "}], "compliance.accept[0].reason", "give the reason"),
        ([{"rule": "Foo-SM1", "reason": "x"}], "compliance.accept[0].rule", "<pack>-<rule>"),
        ([{"rule": "AwsSolutions", "reason": "x"}], "compliance.accept[0].rule", "<pack>-<rule>"),
        ([{"rule": "AwsSolutions-S1", "reason": "x"}] * 2, "compliance.accept", "duplicate entry"),
    ],
)
def test_accepted_findings_are_checked(accept: list[dict], path: str, message: str) -> None:
    data = _base()
    data["compliance"] = {"accept": accept}
    err = _error(data)
    assert err.path == path and message in err.message


def test_compliance_packs_match_the_packs_applied() -> None:
    from sagemaker_platform.compliance import PACKS

    assert (*PACKS, "SageMakerPlatform") == COMPLIANCE_PACKS
    granular = {"rule": "AwsSolutions-IAM5[Resource::arn:aws:s3:::bucket/*]", "reason": "objects of one bucket"}
    data = _base()
    data["compliance"] = {"accept": [granular]}
    assert parse_config(data).compliance.accept[0].rule == granular["rule"]

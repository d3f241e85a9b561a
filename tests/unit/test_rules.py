"""The CDK-free rules: one NVMe list checked against the schema enums, names, idle shutdown, endpoint rules."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from sagemaker_platform import instance_types as tables
from sagemaker_platform.rules import (
    LIFECYCLE_CONFIG_NAME,
    NVME_INSTANCE_FAMILIES,
    RESOURCE_NAME,
    S3_PREFIX,
    SPACE_NAME,
    RuleError,
    has_instance_storage,
    instance_family,
    is_burstable,
)
from sagemaker_platform.rules.endpoint import check_endpoint, check_schedule
from sagemaker_platform.rules.idle import check_idle_shutdown
from sagemaker_platform.rules.instances import INSTANCE_TYPE, NVME_OTHER_FAMILIES, family_attributes

TOKEN = "${Token[TOKEN.123]}"


# ----------------------------------------------------------------------------------------------- instance storage
def _schema_families() -> set[str]:
    types = tables.HOSTING_INSTANCE_TYPES | tables.STUDIO_INSTANCE_TYPES
    return {instance_family(t) for t in types if INSTANCE_TYPE.match(t)}  # Studio's enum also holds "system"


def test_every_disk_family_in_the_schema_enums_is_listed() -> None:
    disk = {f for f in _schema_families() if "d" in family_attributes(f)}
    assert disk, "the schema enums should hold d families (m5d, g4dn ...)"
    assert disk - NVME_INSTANCE_FAMILIES == set()


def test_listed_families_without_a_d_are_the_documented_ones() -> None:
    without_d = {f for f in NVME_INSTANCE_FAMILIES if "d" not in family_attributes(f)}
    assert without_d == NVME_OTHER_FAMILIES
    # The families 0.1's two lists disagreed on are in the one list now.
    assert {"p6-b200", "trn2", "gr6", "c6id", "m6id"} <= NVME_INSTANCE_FAMILIES


def test_most_listed_families_are_in_the_schema_enums() -> None:
    # A few (c7gd, m7gd, gr6) are EC2 families SageMaker may add; the rest must be real hosting or Studio types.
    assert NVME_INSTANCE_FAMILIES - _schema_families() <= {"c7gd", "m7gd", "gr6"}


@pytest.mark.parametrize(("instance_type", "nvme"), [
    ("ml.g5.xlarge", True), ("ml.g6.xlarge", True), ("ml.p5.48xlarge", True), ("ml.c5d.large", True),
    ("ml.r5d.large", True), ("ml.p3dn.24xlarge", True), ("ml.trn1.2xlarge", True), ("ml.m6gd.large", True),
    ("ml.c6id.large", True), ("ml.trn2.48xlarge", True), ("ml.p6-b200.48xlarge", True),
    ("ml.m5.large", False), ("ml.c5.xlarge", False), ("ml.g4ad.xlarge", False), ("ml.inf2.xlarge", False),
    ("ml.p3.2xlarge", False), ("ml.t2.medium", False), ("ml.r5.large", False), ("ml.c6g.large", False),
    (TOKEN, False),
])
def test_instance_storage(instance_type: str, nvme: bool) -> None:
    assert has_instance_storage(instance_type) is nvme


def test_instance_family_needs_an_ml_type() -> None:
    assert instance_family("ml.p6e-gb200.36xlarge") == "p6e-gb200"
    with pytest.raises(ValueError, match=r"not a SageMaker instance type .* \(got 'g5.xlarge'\)"):
        has_instance_storage("g5.xlarge")


def test_burstable() -> None:
    assert is_burstable("ml.t2.medium") and not is_burstable("ml.m5.large") and not is_burstable(None)


def test_the_compliance_rule_uses_the_same_list() -> None:
    from sagemaker_platform.nag import rules as nag_rules

    for family in sorted(NVME_INSTANCE_FAMILIES):
        assert nag_rules.has_instance_storage(f"ml.{family}.xlarge"), family
    assert not nag_rules.has_instance_storage("ml.m5.large")
    assert not nag_rules.has_instance_storage("not-an-instance-type")


# ----------------------------------------------------------------------------------------------- names
@pytest.mark.parametrize(("rule", "good", "bad"), [
    (RESOURCE_NAME, "a" * 63, "a" * 64),
    (RESOURCE_NAME, "a-b--c", "-ab"),
    (SPACE_NAME, "a" * 62, "a" * 63),
    (LIFECYCLE_CONFIG_NAME, "a" * 40, "a" * 41),
    (S3_PREFIX, "a/b", "a//b"),
    (S3_PREFIX, "data-capture", "/out/"),
])
def test_name_rules(rule: Any, good: str, bad: str) -> None:
    assert rule.check("name", good) == good
    with pytest.raises(RuleError) as err:
        rule.check("name", bad)
    assert err.value.field == "name" and err.value.value == bad
    assert str(err.value) == f"name: {rule.hint} (got {bad!r})"


def test_a_token_skips_the_name_check() -> None:
    assert RESOURCE_NAME.check("endpoint_name", TOKEN) == TOKEN
    assert RESOURCE_NAME.accepts(f"churn-{TOKEN}")  # a token anywhere defers the check to deploy time


def test_rules_import_without_the_cdk() -> None:
    code = (
        "import sys; import sagemaker_platform.rules, sagemaker_platform.rules.endpoint, "
        "sagemaker_platform.rules.idle, sagemaker_platform.config; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('aws_cdk', 'jsii', 'constructs')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# ----------------------------------------------------------------------------------------------- idle shutdown
@pytest.mark.parametrize(("values", "field", "bad"), [
    ((59, 59, 480), "idle_timeout_minutes", 59),
    ((120, 60, 525_601), "max_idle_timeout_minutes", 525_601),
    ((500, 60, 480), "idle_timeout_minutes", 500),
    ((100, 120, 480), "idle_timeout_minutes", 100),
])
def test_idle_shutdown(values: tuple[int, int, int], field: str, bad: int) -> None:
    check_idle_shutdown(120, 60, 480)
    with pytest.raises(RuleError) as err:
        check_idle_shutdown(*values)
    assert (err.value.field, err.value.value) == (field, bad)


# ----------------------------------------------------------------------------------------------- endpoints
@dataclasses.dataclass(frozen=True)
class Variant:
    variant_name: str = "AllTraffic"
    instance_type: str | None = "ml.m5.large"
    initial_instance_count: int = 1
    initial_weight: float = 1.0
    volume_size_gb: int | None = None
    model_data_download_timeout_seconds: int | None = None
    container_startup_health_check_timeout_seconds: int | None = None


@dataclasses.dataclass(frozen=True)
class Scheduled:
    name: str
    schedule: str
    min_capacity: int | None = None
    max_capacity: int | None = None


@dataclasses.dataclass(frozen=True)
class Scaling:
    min_capacity: int = 1
    max_capacity: int = 2
    target_invocations_per_instance: float | None = 100.0
    target_backlog_per_instance: float | None = None
    custom_metric: object | None = None
    scale_in_cooldown_seconds: int = 300
    scale_out_cooldown_seconds: int = 300
    scheduled: Sequence[Scheduled] = ()


def _endpoint(kind: Any = "realtime", **kw: Any) -> None:
    check_endpoint(kind, **{"endpoint_name": "churn", "variants": [Variant()], **kw})


@pytest.mark.parametrize(("kw", "field", "bad"), [
    ({"endpoint_name": "churn_1"}, "endpoint_name", "churn_1"),
    ({"variants": [Variant(), Variant()]}, "variants[1].variant_name", "AllTraffic"),
    ({"variants": [Variant(instance_type="ml.g5.xlarge", volume_size_gb=40)]}, "variants[0].volume_size_gb", 40),
    ({"variants": [Variant(instance_type="ml.m5.huge")]}, "variants[0].instance_type", "ml.m5.huge"),
    ({"variants": [Variant(initial_instance_count=1001)]}, "variants[0].initial_instance_count", 1001),
    ({"autoscaling": Scaling(min_capacity=0)}, "autoscaling.min_capacity", 0),
    ({"autoscaling": Scaling(scheduled=[Scheduled("a", "cron(0 7 * * * *)", 1)])},
     "autoscaling.scheduled[0].schedule", "cron(0 7 * * * *)"),
    ({"variants": [Variant(instance_type="ml.t2.medium")], "autoscaling": Scaling()},
     "variants[0].instance_type", "ml.t2.medium"),
])
def test_endpoint_rules_name_the_field_and_value(kw: dict[str, Any], field: str, bad: object) -> None:
    _endpoint()
    with pytest.raises(RuleError) as err:
        _endpoint(**kw)
    assert (err.value.field, err.value.value) == (field, bad)


def test_endpoint_rules_skip_tokens() -> None:
    _endpoint(endpoint_name=TOKEN, variants=[Variant(instance_type=TOKEN, volume_size_gb=40)])
    assert check_schedule(TOKEN) == TOKEN


def test_rule_error_under_a_prefix() -> None:
    err = RuleError("min_capacity", "must not exceed max_capacity (2)", 3).under("autoscaling")
    assert str(err) == "autoscaling.min_capacity: must not exceed max_capacity (2) (got 3)"

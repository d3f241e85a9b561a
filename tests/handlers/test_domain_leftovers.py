from __future__ import annotations

import boto3
import domain_leftovers
import pytest
from fake_sagemaker import REGION
from provider_harness import Provider

DOMAIN = "d-abc123"
TAG = "ManagedByAmazonSageMakerResource"


@pytest.fixture
def vpc(aws):
    ec2 = boto3.client("ec2", region_name=REGION)
    efs = boto3.client("efs", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    arn = aws.sagemaker.add_domain(DOMAIN, vpc_id=vpc_id)

    def group(name, tags):
        kwargs = {"GroupName": name, "Description": name, "VpcId": vpc_id}
        if tags:
            kwargs["TagSpecifications"] = [
                {"ResourceType": "security-group", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
            ]
        return ec2.create_security_group(**kwargs)["GroupId"]

    inbound = group(f"security-group-for-inbound-nfs-{DOMAIN}", {TAG: arn})
    outbound = group(f"security-group-for-outbound-nfs-{DOMAIN}", {TAG: arn})
    for src, dst in ((inbound, outbound), (outbound, inbound)):
        ec2.authorize_security_group_ingress(
            GroupId=src,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 2049,
                    "ToPort": 2049,
                    "UserIdGroupPairs": [{"GroupId": dst}],
                }
            ],
        )
        ec2.authorize_security_group_egress(
            GroupId=src,
            IpPermissions=[
                {
                    "IpProtocol": "tcp",
                    "FromPort": 2049,
                    "ToPort": 2049,
                    "UserIdGroupPairs": [{"GroupId": dst}],
                }
            ],
        )
    decoys = {
        "other-domain": group("security-group-for-inbound-nfs-d-other99", {TAG: arn.replace(DOMAIN, "d-other99")}),
        "untagged": group(f"my-app-sg-{DOMAIN}", {}),
        "tag-but-wrong-name": group("hand-made-group", {TAG: arn}),
    }
    fs_id = efs.create_file_system(CreationToken="home")["FileSystemId"]
    efs.create_mount_target(FileSystemId=fs_id, SubnetId=subnet, SecurityGroups=[inbound])
    return {
        "vpc": vpc_id,
        "ours": {inbound, outbound},
        "decoys": decoys,
        "fs": fs_id,
        "ec2": ec2,
        "efs": efs,
        "arn": arn,
    }


def props(vpc, home_efs="retain"):
    return {"DomainId": DOMAIN, "VpcId": vpc["vpc"], "HomeEfs": home_efs, "HomeEfsFileSystemId": vpc["fs"]}


def group_ids(vpc):
    return {
        g["GroupId"]
        for g in vpc["ec2"].describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["vpc"]]}])[
            "SecurityGroups"
        ]
    }


def test_delete_removes_domain_mount_targets_and_only_our_groups(aws, context, vpc):
    response = Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")
    assert DOMAIN not in aws.sagemaker.domains
    assert aws.sagemaker.retention_policies[DOMAIN] == {"HomeEfsFileSystem": "Retain"}
    assert response["Data"]["DomainArn"] == vpc["arn"]
    remaining = group_ids(vpc)
    assert not (vpc["ours"] & remaining)
    assert set(vpc["decoys"].values()) <= remaining
    assert vpc["efs"].describe_mount_targets(FileSystemId=vpc["fs"])["MountTargets"] == []
    assert vpc["efs"].describe_file_systems(FileSystemId=vpc["fs"])["FileSystems"]  # data kept


def test_rules_are_revoked_before_groups_are_deleted(aws, context, vpc):
    checker = boto3.client("ec2", region_name=REGION)
    seen = []

    def no_rules_left(params):
        group_id = params["body"]["GroupId"]
        rules = checker.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])[
            "SecurityGroupRules"
        ]
        seen.append((group_id, len(rules)))

    aws.injectors["ec2"].on_call("DeleteSecurityGroup", no_rules_left)
    Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")
    assert {g for g, _ in seen} == vpc["ours"]
    assert all(count == 0 for _, count in seen)


def test_home_efs_delete_is_passed_as_retention_policy(aws, context, vpc):
    Provider(domain_leftovers, aws.clock, context).delete(props(vpc, "delete"), physical_id="x")
    assert aws.sagemaker.retention_policies[DOMAIN] == {"HomeEfsFileSystem": "Delete"}
    # SageMaker removes the file system itself; we do not touch its mount targets.
    assert aws.injectors["efs"].calls["DeleteMountTarget"] == 0


def test_dependency_violation_is_retried_on_later_polls(aws, context, vpc):
    aws.injectors["ec2"].inject_error("DeleteSecurityGroup", "DependencyViolation", 3)
    p = Provider(domain_leftovers, aws.clock, context)
    p.delete(props(vpc), physical_id="x")
    assert not (vpc["ours"] & group_ids(vpc))
    assert aws.injectors["ec2"].calls["DeleteSecurityGroup"] == 2 + 3


def test_leftover_profiles_fail_naming_them(aws, context, vpc):
    aws.sagemaker.add_user_profile(DOMAIN, "ui-made-user")
    aws.sagemaker.add_space(DOMAIN, "ui-space", owner="ui-made-user", sharing="Shared")
    with pytest.raises(RuntimeError, match=r"ui-made-user.*ui-space"):
        Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")
    assert aws.sagemaker.calls["DeleteDomain"] == 0
    assert vpc["ours"] <= group_ids(vpc)


def test_domain_already_gone_still_cleans_groups(aws, context, vpc):
    del aws.sagemaker.domains[DOMAIN]
    Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")
    assert aws.sagemaker.calls["DeleteDomain"] == 0
    assert not (vpc["ours"] & group_ids(vpc))
    assert set(vpc["decoys"].values()) <= group_ids(vpc)


def test_delete_twice(aws, context, vpc):
    p = Provider(domain_leftovers, aws.clock, context)
    p.delete(props(vpc), physical_id="x")
    p.delete(props(vpc), physical_id="x")
    assert aws.sagemaker.calls["DeleteDomain"] == 1
    assert p.polls == 1


def test_delete_failed_domain_is_reported(aws, context, vpc):
    aws.sagemaker.fail_domain_delete = "ENI still attached"
    with pytest.raises(RuntimeError, match=r"Delete_Failed: ENI still attached"):
        Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")


def test_profiles_still_deleting_defer_delete_domain(aws, context, vpc):
    sm = aws.sagemaker
    sm.add_user_profile(DOMAIN, "leaving")
    sm._schedule(sm.profiles[(DOMAIN, "leaving")], "Deleting", "<gone>", 120)
    Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")
    assert sm.calls["DeleteDomain"] == 1
    assert DOMAIN not in sm.domains


def test_create_and_update_only_report(aws, context, vpc):
    p = Provider(domain_leftovers, aws.clock, context)
    created = p.create(props(vpc))
    assert created["Data"] == {"DomainId": DOMAIN}
    updated = p.update({**props(vpc), "HomeEfs": "delete"}, props(vpc))
    assert updated["PhysicalResourceId"] == created["PhysicalResourceId"]
    assert sum(aws.sagemaker.calls.values()) == 0
    assert sum(aws.injectors["ec2"].calls.values()) == 0


def test_bad_home_efs_value(aws, context, vpc):
    with pytest.raises(ValueError, match="HomeEfs"):
        Provider(domain_leftovers, aws.clock, context).create({**props(vpc), "HomeEfs": "keep"})


@pytest.mark.parametrize("kind", ["throttling", "service-unavailable", "read-timeout"])
def test_transient_errors_on_any_call_are_survived(aws, context, vpc, kind):
    """Faults on whatever SageMaker and EC2 call comes next, in on_event and in the polls."""
    aws.sagemaker.inject_transient("*", kind, count=4)
    aws.injectors["ec2"].inject_transient("*", kind, count=3)
    Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")
    assert aws.sagemaker.injected_count == 4 and aws.injectors["ec2"].injected_count == 3
    assert DOMAIN not in aws.sagemaker.domains
    assert aws.sagemaker.calls["DeleteDomain"] == 1
    assert not (vpc["ours"] & group_ids(vpc))
    assert set(vpc["decoys"].values()) <= group_ids(vpc)


def test_waiting_past_the_provider_deadline_names_what_it_waits_for(aws, context, vpc, monkeypatch):
    monkeypatch.setenv(domain_leftovers._common.TOTAL_TIMEOUT_ENV, "600")
    monkeypatch.setenv(domain_leftovers._common.QUERY_INTERVAL_ENV, "30")
    aws.sagemaker.domain_delete_latency = 3600
    waiting = rf"total timeout of 10 min.*domain {DOMAIN} to be deleted \(it is Deleting\)"
    with pytest.raises(TimeoutError, match=waiting):
        Provider(domain_leftovers, aws.clock, context).delete(props(vpc), physical_id="x")

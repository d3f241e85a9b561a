"""Shared file systems: the domain's and a profile's CustomFileSystemConfigs and POSIX identity, a space's mounts,
and the security-group rules between Studio apps and the file system."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_ec2 as ec2
from aws_cdk.assertions import Match, Template

from sagemaker_platform.constructs.file_system import FileSystemAccess, PosixUser, SharedFileSystem, attach_to_space
from sagemaker_platform.constructs.space import SharedSpace
from sagemaker_platform.constructs.user_profile import UserProfile
from tests.unit.constructs.studio import build_domain

EFS = "fs-0123456789abcdef0"
FSX = "fs-0fedcba9876543210"


def _group(stack: cdk.Stack, name: str, sg_id: str, allow_all_outbound: bool = True) -> ec2.ISecurityGroup:
    return ec2.SecurityGroup.from_security_group_id(stack, name, sg_id, allow_all_outbound=allow_all_outbound)


def test_domain_defaults_carry_file_systems_and_posix(stack: cdk.Stack) -> None:
    efs = SharedFileSystem.efs(EFS, path="/teams/ml", security_group=_group(stack, "EfsSg", "sg-0aaaaaaaaaaaaaaa1"))
    fsx = SharedFileSystem.fsx_lustre(FSX)
    build_domain(stack, custom_file_systems=[efs, fsx], posix_user=PosixUser(uid=200005, gid=1005))
    expected = [
        {"EFSFileSystemConfig": {"FileSystemId": EFS, "FileSystemPath": "/teams/ml"}},
        {"FSxLustreFileSystemConfig": {"FileSystemId": FSX, "FileSystemPath": "/"}},
    ]
    posix = {"Uid": 200005, "Gid": 1005}
    settings = Match.object_like({"CustomFileSystemConfigs": expected, "CustomPosixUserConfig": posix})
    Template.from_stack(stack).has_resource_properties(
        "AWS::SageMaker::Domain", {"DefaultUserSettings": settings, "DefaultSpaceSettings": settings}
    )


def test_domain_without_file_systems_sets_neither_key(stack: cdk.Stack) -> None:
    build_domain(stack)
    props = next(iter(Template.from_stack(stack).find_resources("AWS::SageMaker::Domain").values()))["Properties"]
    for settings in ("DefaultUserSettings", "DefaultSpaceSettings"):
        assert "CustomFileSystemConfigs" not in props[settings]
        assert "CustomPosixUserConfig" not in props[settings]


def test_efs_rules_on_both_groups_when_studio_egress_is_restricted(stack: cdk.Stack) -> None:
    """The domain's group restricts egress (as the platform's network does): ingress on the EFS group and the
    matching egress on the Studio group, NFS only."""
    studio = _group(stack, "Studio", "sg-0bbbbbbbbbbbbbbb2", allow_all_outbound=False)
    efs = SharedFileSystem.efs(EFS, security_group=_group(stack, "EfsSg", "sg-0aaaaaaaaaaaaaaa1"))
    build_domain(stack, security_groups=[studio], custom_file_systems=[efs])
    t = Template.from_stack(stack)
    t.resource_count_is("AWS::EC2::SecurityGroupIngress", 1)
    t.has_resource_properties("AWS::EC2::SecurityGroupIngress", {
        "GroupId": "sg-0aaaaaaaaaaaaaaa1", "SourceSecurityGroupId": "sg-0bbbbbbbbbbbbbbb2",
        "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
    })
    t.resource_count_is("AWS::EC2::SecurityGroupEgress", 1)
    t.has_resource_properties("AWS::EC2::SecurityGroupEgress", {
        "GroupId": "sg-0bbbbbbbbbbbbbbb2", "DestinationSecurityGroupId": "sg-0aaaaaaaaaaaaaaa1",
        "IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049,
    })


def test_lustre_ports_and_no_egress_rule_for_an_open_group(stack: cdk.Stack) -> None:
    studio = _group(stack, "Studio", "sg-0bbbbbbbbbbbbbbb2", allow_all_outbound=True)
    fsx = SharedFileSystem.fsx_lustre(FSX, security_group=_group(stack, "FsxSg", "sg-0ccccccccccccccc3"))
    FileSystemAccess(stack, "Access", file_system=fsx, studio_security_groups=[studio])
    t = Template.from_stack(stack)
    ingress = t.find_resources("AWS::EC2::SecurityGroupIngress")
    assert sorted((r["Properties"]["FromPort"], r["Properties"]["ToPort"]) for r in ingress.values()) == [
        (988, 988), (1018, 1023)
    ]
    assert all(r["Properties"]["GroupId"] == "sg-0ccccccccccccccc3" for r in ingress.values())
    t.resource_count_is("AWS::EC2::SecurityGroupEgress", 0)


def test_profile_file_systems_and_shared_space_mounts(stack: cdk.Stack) -> None:
    domain = build_domain(stack)
    efs = SharedFileSystem.efs(EFS)
    UserProfile(stack, "Ana", domain=domain, user_profile_name="ana", custom_file_systems=[efs],
                posix_user=PosixUser())
    space = SharedSpace(stack, "Lab", domain=domain, space_name="lab")
    attach_to_space(space, SharedFileSystem.fsx_lustre(FSX))
    t = Template.from_stack(stack)
    t.has_resource_properties("AWS::SageMaker::UserProfile", {
        "UserSettings": Match.object_like({
            "CustomFileSystemConfigs": [{"EFSFileSystemConfig": {"FileSystemId": EFS, "FileSystemPath": "/"}}],
            "CustomPosixUserConfig": {"Uid": 200001, "Gid": 1001},
        }),
    })
    t.has_resource_properties("AWS::SageMaker::Space", {
        "SpaceSettings": Match.object_like({"CustomFileSystems": [{"FSxLustreFileSystem": {"FileSystemId": FSX}}]}),
    })


@pytest.mark.parametrize(
    ("file_systems", "posix", "message"),
    [
        ([SharedFileSystem("nfs", EFS)], None, r"^StudioDomain custom_file_systems\[0\] kind: .*\(got 'nfs'\)$"),
        ([SharedFileSystem.efs("fs-xyz")], None, r"custom_file_systems\[0\] file_system_id: .*\(got 'fs-xyz'\)$"),
        ([SharedFileSystem.efs(EFS, path="data")], None, r"custom_file_systems\[0\] path: .*\(got 'data'\)$"),
        ([SharedFileSystem.efs(EFS), SharedFileSystem.efs(EFS)], None, r"listed twice \(got 'fs-0123456789abcdef0'\)"),
        ([SharedFileSystem.efs(EFS)] * 3, None, r"custom_file_systems: at most 2 \(got 3\)"),
        ([], PosixUser(uid=1000, gid=1001),
         r"^StudioDomain posix_user.uid: must be an integer 10000-4000000 \(got 1000\)$"),
        ([], PosixUser(uid=200001, gid=100), r"posix_user.gid: must be an integer 1001-4000000 \(got 100\)$"),
    ],
)
def test_bad_file_system_props_name_the_field(
    stack: cdk.Stack, file_systems: list[SharedFileSystem], posix: PosixUser | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_domain(stack, custom_file_systems=file_systems, posix_user=posix)


def test_access_needs_the_file_systems_group(stack: cdk.Stack) -> None:
    studio = _group(stack, "Studio", "sg-0bbbbbbbbbbbbbbb2")
    with pytest.raises(ValueError, match=r"^FileSystemAccess file_system: needs its security_group"):
        FileSystemAccess(stack, "Access", file_system=SharedFileSystem.efs(EFS), studio_security_groups=[studio])

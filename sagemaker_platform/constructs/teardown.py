"""Custom resources that let CloudFormation tear a Studio platform down without getting stuck.

``StudioTeardown`` depends on the profiles and spaces it guards, so CloudFormation deletes it first: it deletes
their apps (by profile and by space) and the spaces users created, and waits. It also runs on the Update that
drops a user from the config. ``DomainCleanup`` depends on the domain, and is deleted before it: it deletes the
domain itself (with the configured home-EFS retention), then the NFS security groups SageMaker left in the VPC.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct, Dependable, IConstruct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.handler_provider import HandlerProvider, load_contracts
from sagemaker_platform.constructs.interfaces import IStudioDomain
from sagemaker_platform.constructs.typecheck import require

if TYPE_CHECKING:
    from sagemaker_platform.constructs.space import StudioSpace
    from sagemaker_platform.constructs.user_profile import UserProfile

_LIST_REASON = "SageMaker List* and EC2/EFS Describe* actions support no resource-level permissions."


def _sagemaker_arn(scope: Construct, resource: str, name: str) -> str:
    return cdk.Stack.of(scope).format_arn(service="sagemaker", resource=resource, resource_name=name)


@jsii.implements(cdk.IResolvable)
class _Names:
    """The names of the guarded members, read when the template is written (members are added after creation)."""

    def __init__(self, names: list[str]) -> None:
        self._names = names

    @property
    def creation_stack(self) -> list[str]:
        return []

    def resolve(self, context: cdk.IResolveContext) -> Any:
        return list(self._names)

    def to_string(self) -> str:
        return cdk.Token.as_string(self)


class _GuardedRoots(Dependable):
    """The guarded members as one dependable, read when CloudFormation dependencies are worked out: a shard
    guards hundreds of profiles, and one dependency on this costs one call instead of one per profile."""

    def __init__(self, members: list[IConstruct]) -> None:
        super().__init__()
        self._members = members

    @property
    def dependency_roots(self) -> list[IConstruct]:
        return list(self._members)


class StudioTeardown(Construct):
    """Deletes the apps and user-created spaces of the guarded profiles and spaces before CloudFormation
    deletes them, on stack deletion and when a profile or space is removed from the stack.

    A domain creates one per stack and guards every profile and space built on it (:meth:`guard`); build one by
    hand only for resources the domain does not know.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: IStudioDomain,
        user_profiles: Sequence[UserProfile] = (),
        spaces: Sequence[StudioSpace] = (),
        delete_private_space_data: bool = False,
        timeout: cdk.Duration | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param domain: the domain the profiles and spaces belong to.
        :param user_profiles: profiles to guard now (more with :meth:`guard`).
        :param spaces: spaces to guard now.
        :param delete_private_space_data: delete users' private spaces (and their EBS data) with them.
        :param timeout: how long to wait for apps to stop, 10-120 minutes.
        :param encryption_key: encrypts the handler's logs.
        """
        if encryption_key is not None:
            require("StudioTeardown", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        minutes = int((timeout or cdk.Duration.minutes(60)).to_minutes())
        if not 10 <= minutes <= 120:
            raise ValueError(f"StudioTeardown timeout: must be 10-120 minutes (got {minutes})")
        self._domain = domain
        self._provider = HandlerProvider.of(
            self, "studio_teardown", encryption_key=encryption_key, total_timeout=cdk.Duration.minutes(minutes + 5)
        )
        self._provider.add_to_policy(
            iam.PolicyStatement(actions=["sagemaker:ListApps", "sagemaker:ListSpaces"], resources=["*"]),
            iam.PolicyStatement(
                actions=["sagemaker:DeleteApp", "sagemaker:DescribeApp"],
                resources=[_sagemaker_arn(self, "app", f"{domain.domain_id}/*")],
            ),
        )
        acknowledge_wildcards(self._provider.role, f"{_LIST_REASON} Apps and spaces are scoped to the domain.")
        acknowledge(self._provider.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        self._profile_names: list[str] = []
        self._space_names: list[str] = []
        self._members: list[IConstruct] = []
        self._deletes_spaces = False
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=self._provider.service_token,
            resource_type="Custom::StudioTeardown",
            properties=load_contracts().build(
                "Custom::StudioTeardown",
                DomainId=domain.domain_id,
                UserProfileNames=_Names(self._profile_names),
                SpaceNames=_Names(self._space_names),
                DeletePrivateSpaceData="true" if delete_private_space_data else "false",
                TimeoutMinutes=str(minutes),
            ),
        )
        guarded = Construct(self, "Guarded")
        Dependable.implement(guarded, _GuardedRoots(self._members))
        self.resource.node.add_dependency(guarded)
        self.guard(*user_profiles, *spaces)

    def guard(self, *members: UserProfile | StudioSpace) -> None:
        """Tear ``members`` down before CloudFormation deletes them (the teardown depends on them)."""
        if not members:
            return
        for member in members:
            if hasattr(member, "user_profile_name"):
                self._profile_names.append(member.user_profile_name)
            else:
                self._space_names.append(member.space_name)
        if self._profile_names and not self._deletes_spaces:
            # Only the spaces that guarded profiles own (created in the UI or by Canvas) are deleted here; the
            # stack's own spaces are made app-free and left to CloudFormation.
            self._deletes_spaces = True
            self._provider.add_to_policy(
                iam.PolicyStatement(
                    actions=["sagemaker:DeleteSpace", "sagemaker:DescribeSpace"],
                    resources=[_sagemaker_arn(self, "space", f"{self._domain.domain_id}/*")],
                )
            )
        self._members.extend(members)


class DomainCleanup(Construct):
    """Deletes the domain (keeping or deleting its home EFS), then the NFS security groups SageMaker created in
    the VPC, found by SageMaker's ``ManagedByAmazonSageMakerResource`` tag for this domain only.

    Everything that must go before the domain (profiles, spaces, teardown, Canvas settings) must depend on this.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: IStudioDomain,
        vpc_id: str,
        home_efs_file_system_id: str,
        home_efs: str = "retain",
        timeout: cdk.Duration | None = None,
        encryption_key: kms.IKey | None = None,
    ) -> None:
        """
        :param domain: the domain to delete (the domain's own cleanup is wired by :class:`StudioDomain`).
        :param vpc_id: the domain's VPC, where SageMaker left its NFS security groups.
        :param home_efs_file_system_id: the domain's home EFS.
        :param home_efs: ``retain`` (keep users' home directories) or ``delete``.
        :param timeout: how long deleting may take (default: 60 minutes).
        :param encryption_key: encrypts the handler's logs.
        """
        if encryption_key is not None:
            require("DomainCleanup", "encryption_key", encryption_key, kms.IKey)
        super().__init__(scope, construct_id)
        if home_efs not in ("retain", "delete"):
            raise ValueError(f"DomainCleanup home_efs: must be retain or delete (got {home_efs!r})")
        stack = cdk.Stack.of(self)
        provider = HandlerProvider.of(
            self, "domain_leftovers", encryption_key=encryption_key, total_timeout=timeout or cdk.Duration.minutes(60)
        )
        vpc_arn = stack.format_arn(service="ec2", resource="vpc", resource_name=vpc_id)
        provider.add_to_policy(
            iam.PolicyStatement(
                actions=["sagemaker:DeleteDomain", "sagemaker:DescribeDomain"],
                resources=[_sagemaker_arn(self, "domain", domain.domain_id)],
            ),
            iam.PolicyStatement(
                actions=[
                    "sagemaker:ListUserProfiles",
                    "sagemaker:ListSpaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSecurityGroupRules",
                ],
                resources=["*"],
            ),
            iam.PolicyStatement(
                actions=[
                    "ec2:RevokeSecurityGroupIngress",
                    "ec2:RevokeSecurityGroupEgress",
                    "ec2:DeleteSecurityGroup",
                ],
                resources=[stack.format_arn(service="ec2", resource="security-group", resource_name="*")],
                conditions={
                    "StringEquals": {"aws:ResourceTag/ManagedByAmazonSageMakerResource": domain.domain_arn},
                    "ArnEquals": {"ec2:Vpc": vpc_arn},
                },
            ),
        )
        if home_efs == "retain":
            # The handler deletes the retained file system's mount targets (SageMaker deletes a file system it
            # is told to delete itself). DeleteMountTarget also deletes the mount target's network interface
            # with the caller's permissions, so it needs ec2:DeleteNetworkInterface, kept to the domain's VPC.
            provider.add_to_policy(
                iam.PolicyStatement(
                    actions=["elasticfilesystem:DescribeMountTargets", "elasticfilesystem:DeleteMountTarget"],
                    resources=[
                        stack.format_arn(
                            service="elasticfilesystem", resource="file-system", resource_name=home_efs_file_system_id
                        )
                    ],
                ),
                iam.PolicyStatement(
                    actions=["ec2:DeleteNetworkInterface"],
                    resources=[stack.format_arn(service="ec2", resource="network-interface", resource_name="*")],
                    conditions={"ArnEquals": {"ec2:Vpc": vpc_arn}},
                ),
            )
        acknowledge_wildcards(
            provider.role,
            f"{_LIST_REASON} Security-group changes are limited by the domain's SageMaker tag and VPC; network "
            "interfaces (of the home EFS's mount targets) to the domain's VPC.",
        )
        acknowledge(provider.role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        self.resource = cdk.CustomResource(
            self,
            "Resource",
            service_token=provider.service_token,
            resource_type="Custom::StudioDomainCleanup",
            properties=load_contracts().build(
                "Custom::StudioDomainCleanup",
                DomainId=domain.domain_id,
                VpcId=vpc_id,
                HomeEfs=home_efs,
                HomeEfsFileSystemId=home_efs_file_system_id,
            ),
        )
        if isinstance(domain, Construct):
            self.resource.node.add_dependency(domain)

    def guard(self, *constructs: Construct) -> None:
        """Make ``constructs`` be deleted before the domain is."""
        for construct in constructs:
            construct.node.add_dependency(self.resource)

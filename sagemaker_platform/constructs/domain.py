"""The SageMaker Studio domain with the platform's secure defaults, and the lifecycle of what lives in it.

VpcOnly networking, a customer-managed key, new Studio as the default experience, built-in idle shutdown for
JupyterLab and Code Editor, Docker off, the user's name as source identity, tag propagation, notebook sharing into
a platform bucket, and lifecycle configs whose defaults are always also in their ARN lists.

The domain owns its lifecycle: profiles and spaces built on it (with :meth:`StudioDomainBase.add_user_profile`,
:meth:`StudioDomainBase.add_shared_space`, ``profile.add_private_space`` or their constructors) are guarded by one
teardown per stack, and an owned domain is deleted by a cleanup that knows its VPC and home file system, so
``cdk destroy`` needs no manual wiring. A hand-made profile or space the domain does not guard gets a warning.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct, IConstruct, IValidation

from sagemaker_platform.acknowledgements import (
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.canvas import CanvasIdleShutdown, CanvasSettings
from sagemaker_platform.constructs.file_system import (
    FileSystemAccess,
    PosixUser,
    SharedFileSystem,
    file_system_settings,
)
from sagemaker_platform.constructs.image import CustomImage
from sagemaker_platform.constructs.lifecycle_config import AnyLifecycleConfig
from sagemaker_platform.constructs.roles import studio_access_statements
from sagemaker_platform.constructs.space import SharedSpace, StudioSpace
from sagemaker_platform.constructs.studio_settings import (
    AppDefaults,
    IdleShutdown,
    ImageRegistration,
    PortalSettings,
    app_settings,
)
from sagemaker_platform.constructs.subnets import selected_subnets
from sagemaker_platform.constructs.teardown import DomainCleanup, StudioTeardown
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.constructs.user_profile import UserProfile
from sagemaker_platform.rules import hidden_app_type, studio_instance_type

__all__ = ["IdleShutdown", "ImportedStudioDomain", "StudioDomain", "StudioDomainBase", "TeardownOptions"]

STUDIO_WILDCARD_REASON = (
    "Spaces and apps get names chosen by users at run time: statements name this domain's spaces and apps with a "
    "wildcard, and the guide's ownership conditions decide whose they are."
)

DOMAIN_NAME_MAX = 63
MAX_SECURITY_GROUPS = 5


@dataclass(frozen=True)
class TeardownOptions:
    """How ``cdk destroy`` (and removing a profile or space) deals with what users created in the domain.

    :param delete_private_space_data: delete private spaces' EBS data; off, removing one fails with their names.
    :param home_efs: ``retain`` (default) or ``delete`` the domain's home EFS when the domain goes.
    :param timeout: how long a teardown may wait for apps to stop (10-120 minutes).
    :param encryption_key: encrypts the teardown handlers' logs.
    """

    delete_private_space_data: bool = False
    home_efs: str = "retain"
    timeout: cdk.Duration = field(default_factory=lambda: cdk.Duration.minutes(60))
    encryption_key: kms.IKey | None = None


_DEFAULT_IDLE_SHUTDOWN = IdleShutdown()
_GUARDED: set[int] = set()  # ids of the profile and space resources a domain guards, for the unguarded check


@jsii.implements(IValidation)
class _UnguardedCheck:
    """Warns, at synth, about profiles and spaces in a stack that no teardown guards (``cdk destroy`` would fail
    on their apps). Reads the tree once per stack, on the Python side."""

    def __init__(self, stack: cdk.Stack) -> None:
        self._stack = stack

    def validate(self) -> list[str]:
        for node in self._stack.node.find_all():
            if isinstance(node, (sagemaker.CfnUserProfile, sagemaker.CfnSpace)) and id(node) not in _GUARDED:
                cdk.Annotations.of(node).add_warning_v2(
                    "sagemaker-platform:unguarded",
                    f"{node.node.path} is not guarded by a Studio teardown: cdk destroy fails while it has apps. "
                    "Create it with domain.add_user_profile / add_shared_space / profile.add_private_space (or the "
                    "UserProfile / PrivateSpace / SharedSpace constructs).",
                )
        return []


class StudioDomainBase(cdk.Resource):
    """What an owned and an imported domain share: grants, and the profiles and spaces built on it.

    Subclasses set ``domain_id`` and ``domain_arn``.
    """

    domain_id: str
    domain_arn: str

    def __init__(self, scope: Construct, construct_id: str, *, teardown: TeardownOptions | None) -> None:
        """
        :param teardown: how profiles and spaces added to the domain are torn down (None: not at all).
        """
        super().__init__(scope, construct_id)
        self.teardown_options = teardown
        self._studio_access: dict[str, iam.ManagedPolicy] = {}
        self._teardowns: dict[int, StudioTeardown] = {}
        self._checked_stacks: set[int] = set()
        self._stacks: dict[int, cdk.Stack] = {}
        self._own_stack = cdk.Stack.of(self)
        self.cleanup: DomainCleanup | None = None

    # ------------------------------------------------------------------------------------------------ members
    def add_user_profile(self, construct_id: str, *, scope: Construct | None = None, **props: Any) -> UserProfile:
        """A user profile on this domain, in ``scope`` (default: the domain's stack); see :class:`UserProfile`
        for the props. It is guarded by the teardown of its stack.

        :param props: the :class:`UserProfile` keyword props other than ``domain``.
        """
        return UserProfile(scope or cdk.Stack.of(self), construct_id, domain=self, **props)

    def add_shared_space(self, construct_id: str, *, scope: Construct | None = None, **props: Any) -> SharedSpace:
        """A space every user of the domain can open; see :class:`SharedSpace` for the props.

        :param props: the :class:`SharedSpace` keyword props other than ``domain``.
        """
        return SharedSpace(scope or cdk.Stack.of(self), construct_id, domain=self, **props)

    def teardown_for(self, scope: Construct, construct_id: str = "StudioTeardown") -> StudioTeardown | None:
        """The teardown that guards this domain's profiles and spaces in ``scope``'s stack (created on first use,
        with ``construct_id``); None when the domain was made without teardown options."""
        stack = self._stack_of(scope)
        self._check_unguarded(stack)
        if self.teardown_options is None:
            return None
        teardown = self._teardowns.get(id(stack))
        if teardown is None:
            options = self.teardown_options
            teardown = StudioTeardown(
                stack,
                construct_id,
                domain=self,
                delete_private_space_data=options.delete_private_space_data,
                timeout=options.timeout,
                encryption_key=options.encryption_key,
            )
            self._teardowns[id(stack)] = teardown
        return teardown

    def register_member(self, member: IConstruct, scope: IConstruct | None = None) -> None:
        """Guard a profile or space built on this domain (``scope``: where it was created, to find its stack
        without asking the construct tree): its stack's teardown depends on it (deleted first), and a member in
        the domain's own stack is deleted before the domain's cleanup runs."""
        if not isinstance(member, (UserProfile, StudioSpace)):
            raise TypeError(f"register_member: a UserProfile or a space (got {type(member).__name__})")
        _GUARDED.add(id(member.resource))
        stack = self._stack_of(scope if scope is not None else member)
        teardown = self.teardown_for(stack)
        if teardown is not None:
            teardown.guard(member)
        if self.cleanup is not None and stack is self._own_stack:
            self.cleanup.guard(member)

    def _stack_of(self, scope: IConstruct) -> cdk.Stack:
        """``Stack.of``, remembered per scope: a shard adds hundreds of members in the same scope."""
        if isinstance(scope, cdk.Stack):
            return scope
        stack = self._stacks.get(id(scope))
        if stack is None:
            stack = self._stacks[id(scope)] = cdk.Stack.of(scope)
        return stack

    def _check_unguarded(self, stack: cdk.Stack) -> None:
        if id(stack) not in self._checked_stacks:
            self._checked_stacks.add(id(stack))
            stack.node.add_validation(_UnguardedCheck(stack))

    def enable_canvas(
        self,
        *,
        workspace_bucket: s3.IBucket | None = None,
        workspace_prefix: str = "canvas",
        encryption_key: kms.IKey | None = None,
        time_series_role: iam.IRole | None = None,
        model_registry: bool = True,
        direct_deploy: bool = True,
        kendra: bool = False,
        generative_ai_role: iam.IRole | None = None,
        idle_shutdown_minutes: int | None = None,
    ) -> CanvasSettings:
        """Canvas for every user of the domain (CloudFormation cannot set ``CanvasAppSettings``; a custom
        resource does), deleted before the domain, and optionally shut down when idle.

        :param workspace_bucket: where Canvas keeps its artifacts (under ``workspace_prefix``).
        :param workspace_prefix: the key prefix of Canvas's artifacts in ``workspace_bucket``.
        :param encryption_key: encrypts the workspace artifacts and the handlers' logs (default: the teardown's key).
        :param time_series_role: the role Forecast assumes (time-series forecasting on).
        :param model_registry: let users register models.
        :param direct_deploy: let users deploy models from Canvas.
        :param kendra: document querying through Amazon Kendra.
        :param generative_ai_role: the Bedrock role for generative AI fine-tuning.
        :param idle_shutdown_minutes: stop Canvas apps idle this long (a scheduled function).
        """
        owner = f"{type(self).__name__}.enable_canvas"
        for parameter, value, interface in (
            ("workspace_bucket", workspace_bucket, s3.IBucket),
            ("encryption_key", encryption_key, kms.IKey),
            ("time_series_role", time_series_role, iam.IRole),
            ("generative_ai_role", generative_ai_role, iam.IRole),
        ):
            if value is not None:
                require(owner, parameter, value, interface)
        key = encryption_key or (self.teardown_options.encryption_key if self.teardown_options else None)
        stack = self._own_stack
        canvas = CanvasSettings(
            stack,
            "CanvasSettings" if stack.node.try_find_child("CanvasSettings") is None else f"{self.node.id}Canvas",
            domain=self,
            workspace_s3_uri=(
                workspace_bucket.s3_url_for_object(workspace_prefix.strip("/")) if workspace_bucket else None
            ),
            time_series_role=time_series_role,
            model_registry=model_registry,
            direct_deploy=direct_deploy,
            kendra=kendra,
            generative_ai_role=generative_ai_role,
            encryption_key=key,
        )
        if self.cleanup is not None:
            self.cleanup.guard(canvas)
        if idle_shutdown_minutes:
            CanvasIdleShutdown(
                stack,
                "CanvasIdleShutdown" if stack.node.try_find_child("CanvasIdleShutdown") is None
                else f"{self.node.id}CanvasIdleShutdown",
                domain=self,
                idle_minutes=idle_shutdown_minutes,
                encryption_key=key,
            )
        return canvas

    # ------------------------------------------------------------------------------------------------- grants
    def grant_presigned_url(
        self, grantee: iam.IGrantable, *, user_profile_name: str = "${aws:username}"
    ) -> iam.Grant:
        """Let ``grantee`` (a person's identity outside Studio) open Studio as one profile of this domain.

        :param user_profile_name: the profile; the default maps an IAM user to the profile of the same name. Pass
            ``"*"`` only for administrators. Execution roles never get this action.
        """
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:CreatePresignedDomainUrl"],
            resource_arns=[
                cdk.Stack.of(self).format_arn(
                    service="sagemaker", resource="user-profile", resource_name=f"{self.domain_id}/{user_profile_name}"
                )
            ],
        )

    def grant_studio_access(self, role: iam.IRole) -> iam.ManagedPolicy:
        """Give an execution role the Studio statements of this domain (own profile, own spaces, shared spaces).

        They are a separate policy that depends on the domain, because the domain itself needs its default role
        first; the role's guardrail denies (see :class:`~sagemaker_platform.constructs.roles.ExecutionRole`) keep
        users apart whatever else it is given.

        :param role: the execution role that gets the statements.
        """
        require(f"{type(self).__name__}.grant_studio_access", "role", role, iam.IRole)
        existing = self._studio_access.get(role.node.addr)
        if existing is not None:
            return existing
        # A managed policy: a role's inline policies share one 10,240-character quota, a persona role needs most.
        policy = iam.ManagedPolicy(
            self,
            f"StudioAccess{len(self._studio_access)}",
            statements=studio_access_statements(self, self.domain_id),
            roles=[role],
        )
        acknowledge_wildcards(policy, STUDIO_WILDCARD_REASON)
        self._studio_access[role.node.addr] = policy
        return policy


class ImportedStudioDomain(StudioDomainBase):
    """A domain defined elsewhere, by id: the same grants and member guarding as an owned one."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        domain_arn: str | None = None,
        teardown: TeardownOptions | None = TeardownOptions(),
    ) -> None:
        """
        :param domain_id: the domain's id (``d-...``).
        :param domain_arn: its ARN (default: built from the id in this stack's account and region).
        :param teardown: how profiles and spaces added in this app are torn down (None: not at all).
        """
        super().__init__(scope, construct_id, teardown=teardown)
        self.domain_id = domain_id
        self.domain_arn = domain_arn or cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="domain", resource_name=domain_id
        )


class StudioDomain(StudioDomainBase):
    """A Studio domain. Attributes: ``domain_id``, ``domain_arn``, ``domain_name``, ``url``,
    ``home_efs_file_system_id``, ``security_group_id_for_domain_boundary``, ``single_sign_on_application_arn``,
    ``default_execution_role``, ``vpc``, ``cleanup``; the CfnDomain is ``node.default_child`` (also ``resource``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        vpc: ec2.IVpc,
        security_groups: Sequence[ec2.ISecurityGroup],
        default_execution_role: iam.IRole,
        encryption_key: kms.IKey,
        vpc_subnets: ec2.SubnetSelection | None = None,
        auth_mode: str = "IAM",
        app_network_access_type: str = "VpcOnly",
        space_execution_role: iam.IRole | None = None,
        new_studio: bool = True,
        idle_shutdown: IdleShutdown | None = _DEFAULT_IDLE_SHUTDOWN,
        lifecycle_configs: Sequence[AnyLifecycleConfig] = (),
        default_lifecycle_configs: Mapping[str, AnyLifecycleConfig] | None = None,
        default_ebs_gb: int = 5,
        max_ebs_gb: int = 100,
        hidden_app_types: Sequence[str] = (),
        collaboration: bool = False,
        hidden_instance_types: Sequence[str] = (),
        docker_access: bool = False,
        vpc_only_trusted_accounts: Sequence[str] = (),
        sharing_bucket: s3.IBucket | None = None,
        sharing_prefix: str = "sharing",
        tag_propagation: bool = True,
        custom_file_systems: Sequence[SharedFileSystem] = (),
        posix_user: PosixUser | None = None,
        portal: PortalSettings | None = None,
        default_apps: Mapping[str, AppDefaults] | None = None,
        custom_images: Sequence[CustomImage | ImageRegistration] = (),
        teardown: TeardownOptions | None = TeardownOptions(),
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        """
        :param domain_name: 1-63 letters, digits and dashes.
        :param vpc: the VPC the domain's apps run in.
        :param vpc_subnets: which of its subnets (default: the private subnets, else the isolated ones).
        :param security_groups: the groups of the apps' network interfaces (required for VpcOnly; at most 5).
        :param default_execution_role: the role profiles without their own role use; it gets the domain's Studio
            statements (:meth:`grant_studio_access`).
        :param encryption_key: encrypts the home EFS, space volumes and shared notebook output.
        :param auth_mode: IAM or SSO (IAM Identity Center).
        :param app_network_access_type: VpcOnly (default) or PublicInternetOnly.
        :param space_execution_role: the role of shared spaces (default: the default execution role).
        :param new_studio: new Studio (default) or Studio Classic as the landing experience.
        :param idle_shutdown: built-in idle shutdown for JupyterLab and Code Editor; None turns it off.
        :param lifecycle_configs: lifecycle configs users may pick.
        :param default_lifecycle_configs: the default per app type (also added to the list).
        :param default_ebs_gb: a new space's volume size.
        :param max_ebs_gb: the largest volume a user may ask for.
        :param hidden_app_types: app types the Studio UI hides.
        :param collaboration: Canvas users share models with Studio Classic users (needs JupyterServer not hidden).
        :param hidden_instance_types: instance types the Studio UI hides.
        :param docker_access: Docker in spaces (VpcOnly domains only).
        :param vpc_only_trusted_accounts: accounts whose ECR images Docker may pull.
        :param sharing_bucket: where shared notebook output goes (encrypted with ``encryption_key``).
        :param sharing_prefix: the prefix in ``sharing_bucket``.
        :param tag_propagation: tag resources users create with the domain's tags.
        :param custom_file_systems: up to 2 existing EFS or FSx for Lustre file systems every user and space gets
            (their security groups get ingress from ``security_groups``).
        :param posix_user: the POSIX identity on custom file systems; set it before the first profile exists.
        :param portal: more for the Studio web portal to hide (ML tools, SageMaker Distribution versions); its app
            and instance types add to ``hidden_app_types`` and ``hidden_instance_types``.
        :param default_apps: the default image and instance type of JupyterLab and Code Editor apps, keyed by app
            type (JupyterLab's is also the default of spaces users create).
        :param custom_images: custom images every user can pick (JupyterLab ones also in spaces users create);
            the domain waits for them.
        :param teardown: how ``cdk destroy`` deals with users' apps, spaces and the home EFS; None: no teardown and no
            cleanup (then deleting the stack fails while users have apps).
        :param removal_policy: what happens to the domain when it leaves the stack.
        """
        owner = "StudioDomain"
        require(owner, "vpc", vpc, ec2.IVpc)
        require(owner, "encryption_key", encryption_key, kms.IKey)
        require(owner, "default_execution_role", default_execution_role, iam.IRole)
        for i, group in enumerate(security_groups):
            require(owner, f"security_groups[{i}]", group, ec2.ISecurityGroup)
        if sharing_bucket is not None:
            require(owner, "sharing_bucket", sharing_bucket, s3.IBucket)
        if space_execution_role is not None:
            require(owner, "space_execution_role", space_execution_role, iam.IRole)
        super().__init__(scope, construct_id, teardown=teardown)
        subnet_ids = [subnet.subnet_id for subnet in selected_subnets(owner, vpc, vpc_subnets)]
        security_group_ids = [group.security_group_id for group in security_groups]
        kms_key = encryption_key
        vpc_id = vpc.vpc_id
        if not cdk.Token.is_unresolved(domain_name) and not (
            0 < len(domain_name) <= DOMAIN_NAME_MAX
            and domain_name.replace("-", "").isalnum()
            and domain_name[0].isalnum()
        ):
            raise ValueError(f"{owner} domain_name: 1-63 letters, digits and dashes (got {domain_name!r})")
        if auth_mode not in ("IAM", "SSO"):
            raise ValueError(f"{owner} auth_mode: must be IAM or SSO (got {auth_mode!r})")
        if app_network_access_type not in ("VpcOnly", "PublicInternetOnly"):
            raise ValueError(
                f"{owner} app_network_access_type: must be VpcOnly or PublicInternetOnly (got "
                f"{app_network_access_type!r})"
            )
        if len(subnet_ids) < 1:
            raise ValueError(f"{owner} vpc_subnets: selects no subnet of the VPC (got {vpc_subnets!r})")
        if app_network_access_type == "VpcOnly" and not security_group_ids:
            raise ValueError(f"{owner} security_groups: a VpcOnly domain needs security groups (got [])")
        if len(security_group_ids) > MAX_SECURITY_GROUPS:
            raise ValueError(
                f"{owner} security_groups: at most {MAX_SECURITY_GROUPS} (got {len(security_group_ids)})"
            )
        if not 5 <= default_ebs_gb <= max_ebs_gb <= 16384:
            raise ValueError(
                f"{owner} default_ebs_gb: need 5 <= default_ebs_gb <= max_ebs_gb <= 16384 "
                f"(got {default_ebs_gb} and {max_ebs_gb})"
            )
        if docker_access and app_network_access_type != "VpcOnly":
            raise ValueError(f"{owner} docker_access: only VpcOnly domains support Docker access (got True)")
        if idle_shutdown is not None:
            idle_shutdown.validate(owner)
        for i, app in enumerate(hidden_app_types):
            hidden_app_type(f"{owner} hidden_app_types[{i}]", app)
        if collaboration and "JupyterServer" in hidden_app_types:
            raise ValueError(
                f"{owner} hidden_app_types: collaboration shares Canvas models with Studio Classic, whose "
                "JupyterServer app this hides; remove JupyterServer or set collaboration=False "
                f"(got {list(hidden_app_types)!r})"
            )
        for i, instance_type in enumerate(hidden_instance_types):
            studio_instance_type(f"{owner} hidden_instance_types[{i}]", instance_type)
        if portal is not None:
            portal.validate(f"{owner} portal")
            if collaboration and "JupyterServer" in portal.hidden_app_types:
                raise ValueError(
                    f"{owner} portal.hidden_app_types: collaboration shares Canvas models with Studio Classic, whose "
                    f"JupyterServer app this hides (got {list(portal.hidden_app_types)!r})"
                )
        registrations = [image.registration if isinstance(image, CustomImage) else image for image in custom_images]
        apps = app_settings(
            owner, list(lifecycle_configs), dict(default_lifecycle_configs or {}), idle_shutdown,
            default_apps=default_apps, custom_images=registrations,
        )

        file_systems = file_system_settings(owner, custom_file_systems, posix_user)
        self.default_execution_role = default_execution_role
        self.space_execution_role = space_execution_role or default_execution_role
        self.lifecycle_configs = list(lifecycle_configs)
        self.default_lifecycle_configs = dict(default_lifecycle_configs or {})
        user_settings: dict[str, Any] = {
            "executionRole": default_execution_role.role_arn,
            "securityGroups": list(security_group_ids),
            "studioWebPortal": "ENABLED" if new_studio else "DISABLED",
            "defaultLandingUri": "studio::" if new_studio else "app:JupyterServer:",
            "spaceStorageSettings": {
                "defaultEbsStorageSettings": {
                    "defaultEbsVolumeSizeInGb": default_ebs_gb,
                    "maximumEbsVolumeSizeInGb": max_ebs_gb,
                }
            },
            **apps,
            **file_systems,
        }
        # The domain's hidden app and instance types, plus what ``portal`` hides; profiles start from these.
        self.portal = PortalSettings(
            hidden_app_types=list(hidden_app_types), hidden_instance_types=list(hidden_instance_types)
        ).merged(portal)
        portal_block = self.portal.settings()
        if portal_block:
            user_settings["studioWebPortalSettings"] = portal_block
        if sharing_bucket is not None:
            user_settings["sharingSettings"] = {
                "notebookOutputOption": "Allowed",
                "s3OutputPath": f"s3://{sharing_bucket.bucket_name}/{sharing_prefix.strip('/')}",
                "s3KmsKeyId": kms_key.key_arn,
            }
        space_settings: dict[str, Any] = {
            "executionRole": self.space_execution_role.role_arn,
            "securityGroups": list(security_group_ids),
        }
        # Spaces users create start from JupyterLab's block as users get it (lifecycle configs, default image and
        # instance type, custom images, idle shutdown; the schema has no Code Editor block here) and the volume sizes.
        if "jupyterLabAppSettings" in apps:
            space_settings["jupyterLabAppSettings"] = apps["jupyterLabAppSettings"]
        space_settings["spaceStorageSettings"] = user_settings["spaceStorageSettings"]
        space_settings.update(file_systems)
        docker: dict[str, Any] = {"enableDockerAccess": "ENABLED" if docker_access else "DISABLED"}
        if vpc_only_trusted_accounts:
            docker["vpcOnlyTrustedAccounts"] = list(vpc_only_trusted_accounts)

        self.resource = sagemaker.CfnDomain(
            self,
            "Resource",
            domain_name=domain_name,
            auth_mode=auth_mode,
            app_network_access_type=app_network_access_type,
            vpc_id=vpc_id,
            subnet_ids=list(subnet_ids),
            kms_key_id=kms_key.key_arn,
            default_user_settings=user_settings,
            default_space_settings=space_settings,
            domain_settings={
                "dockerSettings": docker,
                "executionRoleIdentityConfig": "USER_PROFILE_NAME",
            },
            tag_propagation="ENABLED" if tag_propagation else "DISABLED",
        )
        # The domain reads its roles at creation; wait for their policies, not just the role resources.
        self.resource.node.add_dependency(default_execution_role)
        for image in custom_images:  # the versions and app image configs must exist before the domain lists them
            if isinstance(image, CustomImage):
                self.resource.node.add_dependency(image)
        self.default_apps = dict(default_apps or {})
        self.custom_images = registrations
        if space_execution_role is not None:
            self.resource.node.add_dependency(space_execution_role)
        self.resource.apply_removal_policy(removal_policy)
        self.domain_name = domain_name
        self.auth_mode = auth_mode
        self.custom_file_systems = list(custom_file_systems)
        for i, fs in enumerate(self.custom_file_systems):
            if fs.security_group is not None:
                FileSystemAccess(self, f"FileSystemAccess{i}", file_system=fs, studio_security_groups=security_groups)
        self.domain_id = self.resource.attr_domain_id
        self.domain_arn = self.resource.attr_domain_arn
        self.url = self.resource.attr_url
        self.home_efs_file_system_id = self.resource.attr_home_efs_file_system_id
        self.security_group_id_for_domain_boundary = self.resource.attr_security_group_id_for_domain_boundary
        self.single_sign_on_application_arn = self.resource.attr_single_sign_on_application_arn
        self.vpc = vpc
        self.vpc_id = vpc_id
        for role in {default_execution_role.node.addr: default_execution_role,
                     self.space_execution_role.node.addr: self.space_execution_role}.values():
            self.grant_studio_access(role)
        if teardown is not None:
            stack = cdk.Stack.of(self)
            # 0.1 built the cleanup at ``<stack>/DomainCleanup``: a new logical id would run the old one's Delete,
            # which deletes the domain. A second domain in the same stack gets its own id.
            cleanup_id = "DomainCleanup" if stack.node.try_find_child("DomainCleanup") is None else (
                f"{construct_id}Cleanup"
            )
            self.cleanup = DomainCleanup(
                stack,
                cleanup_id,
                domain=self,
                vpc_id=vpc_id,
                home_efs_file_system_id=self.home_efs_file_system_id,
                home_efs=teardown.home_efs,
                timeout=teardown.timeout,
                encryption_key=teardown.encryption_key,
            )
        self._check_unguarded(self._own_stack)

    @staticmethod
    def from_domain_attributes(
        scope: Construct,
        construct_id: str,
        *,
        domain_id: str,
        domain_arn: str | None = None,
        teardown: TeardownOptions | None = TeardownOptions(),
    ) -> ImportedStudioDomain:
        """A domain defined elsewhere (another stack, another app), by id: no lookup.

        :param domain_id: the domain's id (``d-...``).
        :param domain_arn: its ARN (default: built from the id in this stack's account and region).
        :param teardown: how profiles and spaces added in this app are torn down (None: not at all).
        """
        return ImportedStudioDomain(
            scope, construct_id, domain_id=domain_id, domain_arn=domain_arn, teardown=teardown
        )

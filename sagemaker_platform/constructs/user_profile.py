"""Studio user profiles: an IAM or IAM Identity Center user with a persona's role and settings.

The profile's name is the user's identity (Studio, presigned URLs and the execution role's policy variables use
it), so it is never derived. Its other create-only values (the domain, the SSO user) cannot change in place either:
CloudFormation then wants to replace the profile, and because the name is fixed it refuses before anything is
deleted, which keeps the user's home directory and spaces. To change a user's SSO identity, remove the user in one
deploy (the teardown decides about private space data) and add them back in the next.

Idle shutdown is not a per-profile setting here: ``AWS::SageMaker::UserProfile`` has no ``AppLifecycleManagement``
(the API has, the CloudFormation schema does not), so profiles inherit the domain's idle shutdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.constructs.file_system import PosixUser, SharedFileSystem, file_system_settings
from sagemaker_platform.constructs.image import CustomImage
from sagemaker_platform.constructs.interfaces import IStudioDomain, require_domain
from sagemaker_platform.constructs.lifecycle_config import AnyLifecycleConfig
from sagemaker_platform.constructs.studio_settings import AppDefaults, ImageRegistration, PortalSettings, app_settings
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import RESOURCE_NAME, is_token

if TYPE_CHECKING:
    from sagemaker_platform.constructs.space import PrivateSpace

# Role -> ARN, kept with the role: reading an imported role's ARN crosses into the CDK's runtime twice, and a
# shard gives the same few persona roles to hundreds of profiles.
_ROLE_ARNS: dict[int, tuple[iam.IRole, str]] = {}


def _role_arn(role: iam.IRole) -> str:
    cached = _ROLE_ARNS.get(id(role))
    if cached is None or cached[0] is not role:
        cached = _ROLE_ARNS[id(role)] = (role, role.role_arn)
    return cached[1]


PROFILE_NAME = RESOURCE_NAME.regex


class UserProfileBase(cdk.Resource):
    """What an owned and an imported profile share. Subclasses set ``domain`` and ``user_profile_name``."""

    domain: IStudioDomain
    user_profile_name: str

    @property
    def user_profile_arn(self) -> str:
        return cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="user-profile",
            resource_name=f"{self.domain.domain_id}/{self.user_profile_name}",
        )

    def grant_presigned_url(self, grantee: iam.IGrantable) -> iam.Grant:
        """Let ``grantee`` (the person's identity outside Studio) open Studio as this profile."""
        return self.domain.grant_presigned_url(grantee, user_profile_name=self.user_profile_name)

    def add_private_space(self, construct_id: str, *, scope: Construct | None = None, **props: Any) -> PrivateSpace:
        """A space only this user can open, in ``scope`` (default: the profile's scope); see
        :class:`~sagemaker_platform.constructs.space.PrivateSpace` for the props.

        :param props: the :class:`~sagemaker_platform.constructs.space.PrivateSpace` keyword props other than
            ``owner``.
        """
        from sagemaker_platform.constructs.space import PrivateSpace  # space.py builds on this module

        return PrivateSpace(scope or self.node.scope, construct_id, owner=self, **props)  # type: ignore[arg-type]


class ImportedUserProfile(UserProfileBase):
    """A profile created elsewhere, by name."""

    def __init__(self, scope: Construct, construct_id: str, *, domain: IStudioDomain, user_profile_name: str) -> None:
        """
        :param domain: the domain the profile belongs to (owned or imported).
        :param user_profile_name: the profile's name.
        """
        require_domain("UserProfile", domain)
        super().__init__(scope, construct_id)
        self.domain = domain
        self.user_profile_name = user_profile_name


class UserProfile(UserProfileBase):
    """One Studio user. Settings not given here are inherited from the domain's defaults. The domain guards the
    profile with its stack's teardown. Attributes: ``user_profile_name``, ``user_profile_arn``, ``domain``,
    ``execution_role``; the CfnUserProfile is ``node.default_child`` (also ``resource``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: IStudioDomain,
        user_profile_name: str,
        execution_role: iam.IRole | None = None,
        sso_user_name: str | None = None,
        lifecycle_configs: Sequence[AnyLifecycleConfig] = (),
        default_lifecycle_configs: Mapping[str, AnyLifecycleConfig] | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
        tags: Mapping[str, str] | None = None,
        portal: PortalSettings | None = None,
        default_apps: Mapping[str, AppDefaults] | None = None,
        custom_images: Sequence[CustomImage | ImageRegistration] = (),
        custom_file_systems: Sequence[SharedFileSystem] = (),
        posix_user: PosixUser | None = None,
    ) -> None:
        """
        :param domain: the domain (owned or imported).
        :param user_profile_name: the user's name in Studio (1-63 letters, digits and dashes); never derived.
        :param execution_role: the persona role the user's apps run as (default: the domain's default role).
        :param sso_user_name: the IAM Identity Center user name (SSO domains).
        :param lifecycle_configs: lifecycle configs this user may pick besides the domain's.
        :param default_lifecycle_configs: this user's default per app type.
        :param security_groups: up to 2 extra groups for this user's apps.
        :param tags: tags of the profile.
        :param portal: what the Studio web portal hides for this user; each list it sets replaces the domain's, so
            give the domain's entries too (:meth:`PortalSettings.merged`).
        :param default_apps: this user's default image and instance type of JupyterLab and Code Editor apps; a
            default replaces the domain's whole ``DefaultResourceSpec``, so pass the domain's default lifecycle config
            in ``default_lifecycle_configs`` too.
        :param custom_images: custom images this user can pick; a list replaces the domain's for that app type.
        :param custom_file_systems: up to 2 file systems for this user's spaces, besides the domain's (their
            security-group rules are the caller's, with ``file_system.FileSystemAccess``).
        :param posix_user: this user's POSIX identity on custom file systems; only when the profile is created
            (SageMaker refuses it on an existing profile).
        """
        require_domain("UserProfile", domain)
        if execution_role is not None:
            require("UserProfile", "execution_role", execution_role, iam.IRole)
        for i, group in enumerate(security_groups):
            require("UserProfile", f"security_groups[{i}]", group, ec2.ISecurityGroup)
        super().__init__(scope, construct_id)
        if not is_token(user_profile_name) and not PROFILE_NAME.match(user_profile_name):
            raise ValueError(
                "UserProfile user_profile_name: 1-63 letters, digits and dashes, starting with a letter or digit "
                f"(got {user_profile_name!r})"
            )
        if sso_user_name is not None and not 0 < len(sso_user_name) <= 128:
            raise ValueError(f"UserProfile sso_user_name: 1-128 characters (got {sso_user_name!r})")
        if len(security_groups) > 2:
            raise ValueError(
                f"UserProfile security_groups: at most 2 in a VpcOnly domain (got {len(security_groups)})"
            )
        security_group_ids = [group.security_group_id for group in security_groups]
        role_arn = _role_arn(execution_role) if execution_role is not None else None
        if portal is not None:
            portal.validate("UserProfile portal")
        settings: dict[str, Any] = app_settings(
            "UserProfile", lifecycle_configs, default_lifecycle_configs or {}, None,
            default_apps=default_apps,
            custom_images=[i.registration if isinstance(i, CustomImage) else i for i in custom_images],
        )
        portal_block = portal.settings() if portal is not None else None
        if portal_block:
            settings["studioWebPortalSettings"] = portal_block
        if role_arn is not None:
            settings["executionRole"] = role_arn
        if security_group_ids:
            settings["securityGroups"] = list(security_group_ids)
        settings.update(file_system_settings("UserProfile", custom_file_systems, posix_user))
        self.resource = sagemaker.CfnUserProfile(
            self,
            "Resource",
            domain_id=domain.domain_id,
            user_profile_name=user_profile_name,
            single_sign_on_user_identifier="UserName" if sso_user_name else None,
            single_sign_on_user_value=sso_user_name,
            user_settings=settings or None,
            tags=[{"key": k, "value": v} for k, v in sorted((tags or {}).items())] or None,
        )
        if isinstance(execution_role, Construct):  # a role built in this app: wait for its policies
            self.resource.node.add_dependency(execution_role)
        for image in custom_images:  # a version and app image config must exist before a profile lists them
            if isinstance(image, CustomImage):
                self.resource.node.add_dependency(image)
        for lcc in [*lifecycle_configs, *(default_lifecycle_configs or {}).values()]:
            self.resource.node.add_dependency(lcc)
        self.domain = domain
        self.execution_role = execution_role
        self.user_profile_name = user_profile_name
        domain.register_member(self, scope)

    @staticmethod
    def from_user_profile_name(
        scope: Construct, construct_id: str, *, domain: IStudioDomain, user_profile_name: str
    ) -> ImportedUserProfile:
        """A profile created elsewhere (another app, the console), by name: grants and private spaces.

        :param domain: the domain the profile belongs to (owned or imported).
        :param user_profile_name: the profile's name.
        """
        return ImportedUserProfile(scope, construct_id, domain=domain, user_profile_name=user_profile_name)

    @property
    def user_profile_arn(self) -> str:
        """The profile's ARN, read from the L1 only when asked for (a shard builds hundreds of profiles)."""
        return self.resource.attr_user_profile_arn

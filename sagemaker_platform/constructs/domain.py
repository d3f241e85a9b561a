"""The SageMaker Studio domain with the platform's secure defaults.

VpcOnly networking, a customer-managed key, new Studio as the default experience, built-in idle shutdown for
JupyterLab and Code Editor, Docker off, the user's name as source identity, tag propagation, notebook sharing into
a platform bucket, and lifecycle configs whose defaults are always also in their ARN lists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.compliance import INLINE_POLICY_IDS, INLINE_POLICY_REASON, acknowledge, acknowledge_wildcards
from sagemaker_platform.constructs.lifecycle_config import APP_TYPES, AnyLifecycleConfig
from sagemaker_platform.constructs.roles import studio_access_statements
from sagemaker_platform.rules import hidden_app_type, studio_instance_type

STUDIO_WILDCARD_REASON = (
    "Spaces and apps get names chosen by users at run time: statements name this domain's spaces and apps with a "
    "wildcard, and the guide's ownership conditions decide whose they are."
)

DOMAIN_NAME_MAX = 63
MAX_SECURITY_GROUPS = 5


@dataclass(frozen=True)
class IdleShutdown:
    """Built-in idle shutdown (AppLifecycleManagement.IdleSettings); each value 60-525,600 minutes."""

    idle_timeout_minutes: int = 120
    min_idle_timeout_minutes: int = 60
    max_idle_timeout_minutes: int = 480

    def validate(self, owner: str) -> None:
        for field in ("idle_timeout_minutes", "min_idle_timeout_minutes", "max_idle_timeout_minutes"):
            value = getattr(self, field)
            if not 60 <= value <= 525600:
                raise ValueError(f"{owner} idle_shutdown.{field}: must be 60-525600 minutes (got {value})")
        if not self.min_idle_timeout_minutes <= self.idle_timeout_minutes <= self.max_idle_timeout_minutes:
            raise ValueError(
                f"{owner} idle_shutdown.idle_timeout_minutes: must lie between min and max "
                f"(got {self.idle_timeout_minutes}, min {self.min_idle_timeout_minutes}, "
                f"max {self.max_idle_timeout_minutes})"
            )

    def settings(self) -> dict[str, Any]:
        return {
            "idleSettings": {
                "lifecycleManagement": "ENABLED",
                "idleTimeoutInMinutes": self.idle_timeout_minutes,
                "minIdleTimeoutInMinutes": self.min_idle_timeout_minutes,
                "maxIdleTimeoutInMinutes": self.max_idle_timeout_minutes,
            }
        }


def lifecycle_settings(
    owner: str,
    lifecycle_configs: Sequence[AnyLifecycleConfig],
    defaults: Mapping[str, AnyLifecycleConfig],
) -> dict[str, dict[str, Any]]:
    """Per app type: ``{"lifecycleConfigArns": [...], "defaultResourceSpec": {...}}``.

    A default must also be in its list (the API rejects it otherwise), so it is added if missing.
    """
    out: dict[str, dict[str, Any]] = {}
    for app_type, lcc in defaults.items():
        if app_type not in APP_TYPES:
            raise ValueError(f"{owner} default_lifecycle_configs: unknown app type (got {app_type!r})")
        if lcc.app_type != app_type:
            raise ValueError(
                f"{owner} default_lifecycle_configs[{app_type}]: lifecycle config {lcc.logical_name!r} is for "
                f"{lcc.app_type} apps (got {lcc.app_type!r})"
            )
    for lcc in [*lifecycle_configs, *defaults.values()]:
        entry = out.setdefault(lcc.app_type, {"lifecycleConfigArns": []})
        if lcc.arn not in entry["lifecycleConfigArns"]:
            entry["lifecycleConfigArns"].append(lcc.arn)
    for app_type, lcc in defaults.items():
        out[app_type]["defaultResourceSpec"] = {"lifecycleConfigArn": lcc.arn}
    return out


_APP_SETTINGS_KEY = {
    "JupyterLab": "jupyterLabAppSettings",
    "CodeEditor": "codeEditorAppSettings",
    "JupyterServer": "jupyterServerAppSettings",
    "KernelGateway": "kernelGatewayAppSettings",
}


def app_settings(
    owner: str,
    lifecycle_configs: Sequence[AnyLifecycleConfig],
    defaults: Mapping[str, AnyLifecycleConfig],
    idle_shutdown: IdleShutdown | None,
) -> dict[str, Any]:
    """The four ``*AppSettings`` blocks of UserSettings, with idle shutdown on JupyterLab and Code Editor."""
    settings: dict[str, Any] = {}
    for app_type, block in lifecycle_settings(owner, lifecycle_configs, defaults).items():
        settings[_APP_SETTINGS_KEY[app_type]] = dict(block)
    if idle_shutdown is not None:
        for app_type in ("JupyterLab", "CodeEditor"):
            key = _APP_SETTINGS_KEY[app_type]
            settings.setdefault(key, {})["appLifecycleManagement"] = idle_shutdown.settings()
    return settings


class IStudioDomain:
    """What other constructs need of a domain: its id and ARN (a real or an imported domain)."""

    domain_id: str
    domain_arn: str


class ImportedStudioDomain(Construct, IStudioDomain):
    def __init__(self, scope: Construct, construct_id: str, *, domain_id: str, domain_arn: str | None) -> None:
        super().__init__(scope, construct_id)
        self.domain_id = domain_id
        self.domain_arn = domain_arn or cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="domain", resource_name=domain_id
        )


class StudioDomain(Construct, IStudioDomain):
    """A Studio domain. Attributes: ``domain_id``, ``domain_arn``, ``domain_name``, ``url``,
    ``home_efs_file_system_id``, ``security_group_id_for_domain_boundary``, ``single_sign_on_application_arn``,
    ``default_execution_role``, ``resource`` (the CfnDomain)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain_name: str,
        vpc_id: str,
        subnet_ids: Sequence[str],
        security_group_ids: Sequence[str],
        default_execution_role: iam.IRole,
        kms_key: kms.IKey,
        auth_mode: str = "IAM",
        app_network_access_type: str = "VpcOnly",
        space_execution_role: iam.IRole | None = None,
        new_studio: bool = True,
        idle_shutdown: IdleShutdown | None = IdleShutdown(),
        lifecycle_configs: Sequence[AnyLifecycleConfig] = (),
        default_lifecycle_configs: Mapping[str, AnyLifecycleConfig] | None = None,
        default_ebs_gb: int = 5,
        max_ebs_gb: int = 100,
        hidden_app_types: Sequence[str] = (),
        hidden_instance_types: Sequence[str] = (),
        docker_access: bool = False,
        vpc_only_trusted_accounts: Sequence[str] = (),
        sharing_bucket: s3.IBucket | None = None,
        sharing_prefix: str = "sharing",
        tag_propagation: bool = True,
        removal_policy: cdk.RemovalPolicy = cdk.RemovalPolicy.DESTROY,
    ) -> None:
        super().__init__(scope, construct_id)
        owner = "StudioDomain"
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
            raise ValueError(f"{owner} subnet_ids: at least one subnet is required (got {list(subnet_ids)})")
        if app_network_access_type == "VpcOnly" and not security_group_ids:
            raise ValueError(f"{owner} security_group_ids: a VpcOnly domain needs security groups (got [])")
        if len(security_group_ids) > MAX_SECURITY_GROUPS:
            raise ValueError(
                f"{owner} security_group_ids: at most {MAX_SECURITY_GROUPS} (got {len(security_group_ids)})"
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
        for i, instance_type in enumerate(hidden_instance_types):
            studio_instance_type(f"{owner} hidden_instance_types[{i}]", instance_type)

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
            **app_settings(owner, self.lifecycle_configs, self.default_lifecycle_configs, idle_shutdown),
        }
        portal: dict[str, Any] = {}
        if hidden_app_types:
            portal["hiddenAppTypes"] = list(hidden_app_types)
        if hidden_instance_types:
            portal["hiddenInstanceTypes"] = list(hidden_instance_types)
        if portal:
            user_settings["studioWebPortalSettings"] = portal
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
        if idle_shutdown is not None:
            space_settings["jupyterLabAppSettings"] = {"appLifecycleManagement": idle_shutdown.settings()}
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
        if space_execution_role is not None:
            self.resource.node.add_dependency(space_execution_role)
        self.resource.apply_removal_policy(removal_policy)
        self.domain_name = domain_name
        self.domain_id = self.resource.attr_domain_id
        self.domain_arn = self.resource.attr_domain_arn
        self.url = self.resource.attr_url
        self.home_efs_file_system_id = self.resource.attr_home_efs_file_system_id
        self.security_group_id_for_domain_boundary = self.resource.attr_security_group_id_for_domain_boundary
        self.single_sign_on_application_arn = self.resource.attr_single_sign_on_application_arn
        self.vpc_id = vpc_id
        self._studio_access: dict[str, iam.Policy] = {}
        for role in {default_execution_role.node.addr: default_execution_role,
                     self.space_execution_role.node.addr: self.space_execution_role}.values():
            self.grant_studio_access(role)

    @staticmethod
    def from_domain_attributes(
        scope: Construct, construct_id: str, *, domain_id: str, domain_arn: str | None = None
    ) -> ImportedStudioDomain:
        """A domain defined elsewhere (another stack, another app), by id: no lookup."""
        return ImportedStudioDomain(scope, construct_id, domain_id=domain_id, domain_arn=domain_arn)

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

    def grant_studio_access(self, role: iam.IRole) -> iam.Policy:
        """Give an execution role the Studio statements of this domain (own profile, own spaces, shared spaces).

        They are a separate policy that depends on the domain, because the domain itself needs its default role
        first; the role's guardrail denies (see :class:`~sagemaker_platform.constructs.roles.ExecutionRole`) keep
        users apart whatever else it is given.
        """
        existing = self._studio_access.get(role.node.addr)
        if existing is not None:
            return existing
        policy = iam.Policy(
            self,
            f"StudioAccess{len(self._studio_access)}",
            statements=studio_access_statements(self, self.domain_id),
            roles=[role],
        )
        acknowledge_wildcards(policy, STUDIO_WILDCARD_REASON)
        acknowledge(policy, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        self._studio_access[role.node.addr] = policy
        return policy

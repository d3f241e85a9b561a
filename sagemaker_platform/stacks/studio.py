"""StudioStack: key, buckets, persona roles, lifecycle configs, the domain, shared spaces, the domain-level
custom resources (Canvas settings, Projects, CORS on existing buckets, teardown helpers), and the private hubs
(they live with the persona roles that browse and curate them)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.config import HubSection, LifecycleConfigSection, PlatformConfig
from sagemaker_platform.constructs.bucket import AccessLogBucket, StudioBucket
from sagemaker_platform.constructs.bucket_cors import ExistingBucketCors
from sagemaker_platform.constructs.canvas import SageMakerProjects
from sagemaker_platform.constructs.domain import IdleShutdown, StudioDomain, TeardownOptions
from sagemaker_platform.constructs.file_system import PosixUser, SharedFileSystem, attach_to_space
from sagemaker_platform.constructs.hub import (
    HUB_WILDCARD_REASON,
    HubContent,
    HubModelReference,
    PrivateHub,
    grant_public_hub,
    hide_public_hub,
)
from sagemaker_platform.constructs.identity_center import IdentityCenterAssignment
from sagemaker_platform.constructs.image import CustomImage
from sagemaker_platform.constructs.key import PlatformKey
from sagemaker_platform.constructs.lifecycle_config import ImportedLifecycleConfig, LifecycleConfig
from sagemaker_platform.constructs.mlflow import MlflowTrackingServer
from sagemaker_platform.constructs.network import StudioNetwork
from sagemaker_platform.constructs.roles import ExecutionRole
from sagemaker_platform.constructs.studio_settings import AppDefaults, ImageRegistration, PortalSettings


def ssm_name(config: PlatformConfig, *parts: str) -> str:
    """Where the StudioStack publishes what other stacks need (read at deploy time, never looked up at synth)."""
    return "/".join(["", "sagemaker-platform", config.platform.prefix, *parts])


def lcc_script(config: PlatformConfig, lc: LifecycleConfigSection) -> str:
    """The lifecycle config's script, as the config loader read it (stacks read no files)."""
    del config
    return lc.script_text


def idle_shutdown(config: PlatformConfig) -> IdleShutdown | None:
    idle = config.domain.idle_shutdown
    if not idle.enabled:
        return None
    return IdleShutdown(idle.idle_timeout_minutes, idle.min_idle_timeout_minutes, idle.max_idle_timeout_minutes)


def portal_settings(config: PlatformConfig, persona: str | None = None) -> PortalSettings:
    """What the portal hides: the domain's, plus a persona's (a profile's lists replace the domain's, so a
    persona's repeat the domain's entries)."""
    d = config.domain
    domain = PortalSettings(
        hidden_ml_tools=d.portal.hidden_ml_tools, hidden_app_types=d.hidden_app_types,
        hidden_instance_types=d.hidden_instance_types,
        hidden_image_version_aliases=d.portal.hidden_image_version_aliases,
    )
    own = d.personas.get(persona) if persona else None  # type: ignore[call-overload]
    if own is None:
        return domain
    p = own.portal
    return domain.merged(PortalSettings(
        hidden_ml_tools=p.hidden_ml_tools, hidden_app_types=p.hidden_app_types,
        hidden_instance_types=p.hidden_instance_types, hidden_image_version_aliases=p.hidden_image_version_aliases,
    ))


def default_apps(scope: Construct, config: PlatformConfig, persona: str | None = None) -> dict[str, AppDefaults]:
    """DefaultResourceSpec per app type, from domain.default_apps or a persona's; custom images by name."""
    d = config.domain
    section = d.default_apps if persona is None else d.personas[persona].default_apps  # type: ignore[index]
    out: dict[str, AppDefaults] = {}
    for key, app_type in (("jupyter_lab", "JupyterLab"), ("code_editor", "CodeEditor")):
        app = getattr(section, key)
        if app is None:
            continue
        image_arn = app.image_arn
        if app.custom_image is not None:
            image_arn = CustomImage.arn_for(scope, app.custom_image, config.platform.prefix)
        out[app_type] = AppDefaults(
            instance_type=app.instance_type, image_arn=image_arn, image_version_arn=app.image_version_arn
        )
    return out


def custom_image_registrations(config: PlatformConfig, persona: str | None = None) -> list[ImageRegistration]:
    """The custom images a persona's profiles list: the domain's and the persona's (a profile's list replaces the
    domain's); None: the domain's only."""
    return [
        CustomImage.registration_for(image.name, image.app_type, config.platform.prefix)
        for image in config.domain.custom_images
        if not image.personas or (persona is not None and persona in image.personas)
    ]


def build_custom_images(scope: Construct, config: PlatformConfig) -> list[CustomImage]:
    """Every custom image of the config, named in the platform's namespace so UsersStacks can list them."""
    return [
        CustomImage(
            scope, f"Image-{image.name}", name=image.name, app_type=image.app_type, image_uri=image.image_uri,
            uid=image.uid, gid=image.gid, port=image.port, base_url=image.base_url, kernel_name=image.kernel_name,
            kernel_display_name=image.kernel_display_name, display_name=image.display_name,
            description=image.description, namespace=config.platform.prefix,
        )
        for image in config.domain.custom_images
    ]


def shared_file_systems(scope: Construct, config: PlatformConfig) -> list[SharedFileSystem]:
    """The config's file systems, their security groups imported by id (no lookup)."""
    return [
        SharedFileSystem(
            fs.type, fs.id, fs.path,
            ec2.SecurityGroup.from_security_group_id(scope, f"FileSystemSg{i}", fs.security_group_id)
            if fs.security_group_id else None,
        )
        for i, fs in enumerate(config.domain.file_systems)
    ]


def identity_center_assignments(
    scope: Construct, config: PlatformConfig, domain: StudioDomain
) -> list[IdentityCenterAssignment]:
    """The domain's IAM Identity Center groups and users; they live in this stack, which the UsersStacks wait for,
    so every SSO user is assigned before CloudFormation creates their profile."""
    ic = config.domain.identity_center
    if ic is None:
        return []
    return [
        *(IdentityCenterAssignment(scope, f"IdentityCenterGroup-{g.name}", domain=domain, principal_id=g.id,
                                   principal_type="GROUP") for g in ic.groups),
        *(IdentityCenterAssignment(scope, f"IdentityCenterUser-{u.id}", domain=domain, principal_id=u.id,
                                   principal_type="USER") for u in ic.users),
    ]


class StudioStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PlatformConfig, network: StudioNetwork, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        prefix = config.platform.prefix
        d = config.domain
        self.key = PlatformKey(
            self,
            "Key",
            alias=f"{prefix}/studio",
            description=f"SageMaker platform {prefix}: domain EFS/EBS, buckets, logs",
        )
        self.access_logs = AccessLogBucket(self, "AccessLogs")
        self.bucket = StudioBucket(
            self,
            "StudioBucket",
            encryption_key=self.key.key,
            access_log_bucket=self.access_logs.bucket,
            canvas=d.canvas.enabled and d.canvas.local_upload,
        )

        canvas_personas = config.canvas_personas()
        self.roles: dict[str, ExecutionRole] = {}
        for persona in config.personas_in_use():
            self.roles[persona] = ExecutionRole(
                self,
                f"Role-{persona}",
                persona=persona,
                buckets=[self.bucket.bucket],
                encryption_key=self.key.key,
                canvas=persona in canvas_personas,
                canvas_time_series=d.canvas.time_series_forecasting,
                canvas_generative_ai=d.canvas.generative_ai,
                kendra_index_ids=d.canvas.kendra_index_ids,
                ecr_accounts=d.ecr_pull_accounts,
                shared_models=config.governance.collaboration,
            )

        self.lifecycle_configs: dict[str, LifecycleConfig] = {}
        for lc in d.lifecycle_configs:
            self.lifecycle_configs[lc.name] = LifecycleConfig(
                self, f"Lcc-{lc.name}", name=lc.name, app_type=lc.app_type, script=lcc_script(config, lc),
                namespace=prefix,
            )
        defaults: dict[str, LifecycleConfig | ImportedLifecycleConfig] = {
            lc.app_type: self.lifecycle_configs[lc.name] for lc in d.lifecycle_configs if lc.default
        }

        self.domain = StudioDomain(
            self,
            "Domain",
            domain_name=config.domain_name,
            auth_mode=d.auth_mode,
            app_network_access_type=d.app_network_access_type,
            vpc=network.vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=network.subnets),
            security_groups=[network.studio_security_group],
            default_execution_role=self.roles["data_scientist"],
            encryption_key=self.key,
            new_studio=d.default_experience == "studio",
            idle_shutdown=idle_shutdown(config),
            lifecycle_configs=list(self.lifecycle_configs.values()),
            default_lifecycle_configs=defaults,
            default_ebs_gb=d.storage.default_ebs_gb,
            max_ebs_gb=d.storage.max_ebs_gb,
            hidden_app_types=d.hidden_app_types,
            collaboration=config.governance.collaboration and d.canvas.enabled,
            hidden_instance_types=d.hidden_instance_types,
            docker_access=d.docker_access,
            vpc_only_trusted_accounts=d.vpc_only_trusted_accounts,
            sharing_bucket=self.bucket if d.notebook_sharing else None,
            portal=portal_settings(config),
            default_apps=default_apps(self, config),
            custom_images=[  # every image is built here; persona images are listed by their profiles
                image for image, section in zip(build_custom_images(self, config), d.custom_images, strict=True)
                if not section.personas
            ],
            custom_file_systems=shared_file_systems(self, config),
            posix_user=PosixUser(d.posix_user.uid, d.posix_user.gid) if d.posix_user else None,
            teardown=TeardownOptions(
                delete_private_space_data=config.teardown.delete_private_space_data,
                home_efs=config.teardown.home_efs,
                timeout=cdk.Duration.minutes(config.teardown.timeout_minutes),
                encryption_key=self.key,
            ),
        )
        for role in self.roles.values():
            self.domain.grant_studio_access(role)
        assert self.domain.cleanup is not None  # the domain has teardown options
        self.cleanup = self.domain.cleanup

        # The domain guards its spaces; 0.1 named this stack's teardown "SpacesTeardown" (keep its logical id).
        self.teardown = self.domain.teardown_for(self, "SpacesTeardown") if config.spaces else None
        self.shared_spaces = [
            self.domain.add_shared_space(
                f"Space-{space.name}",
                scope=self,
                space_name=space.name,
                app_type=space.app_type,
                ebs_gb=space.ebs_gb,
                display_name=space.display_name,
                remote_access=space.remote_access,
                default_lifecycle_config=self.lifecycle_configs[space.default_lifecycle_config]
                if space.default_lifecycle_config
                else None,
            )
            for space in config.spaces
        ]
        for space in self.shared_spaces if self.domain.custom_file_systems else []:
            attach_to_space(space, self.domain.custom_file_systems[0])  # a space mounts one: the first
        self.identity_center = identity_center_assignments(self, config, self.domain)

        if d.canvas.enabled:
            self.canvas = self.domain.enable_canvas(
                workspace_bucket=self.bucket,
                time_series_role=self.roles["business_analyst"] if d.canvas.time_series_forecasting else None,
                model_registry=d.canvas.model_registry,
                direct_deploy=d.canvas.direct_deploy,
                kendra=bool(d.canvas.kendra_index_ids),
                idle_shutdown_minutes=d.canvas.idle_shutdown_minutes,
            )
        if d.projects:
            SageMakerProjects(self, "Projects", roles=list(self.roles.values()), encryption_key=self.key)
        for i, bucket_name in enumerate(config.buckets.merge_cors_into):
            ExistingBucketCors(
                self, f"Cors{i}", bucket=s3.Bucket.from_bucket_name(self, f"CorsBucket{i}", bucket_name),
                canvas=d.canvas.enabled and d.canvas.local_upload, encryption_key=self.key,
            )
        self.hubs = [self._hub(config, hub) for hub in config.hubs]
        self.mlflow = self._mlflow(config) if config.mlflow.enabled else None
        # The public JumpStart hub: readable unless a hub hides it; referenced public models stay usable.
        hidden = any(hub.hide_public_hub for hub in config.hubs)
        referenced = [c.model_id for hub in config.hubs for c in hub.content if c.model_id is not None]
        for role in self.roles.values():
            grant_public_hub(role, model_ids=referenced if hidden else None)
            if hidden:
                hide_public_hub(role, keep_model_ids=referenced)

        self._publish(config)
        cdk.CfnOutput(self, "DomainId", value=self.domain.domain_id)
        cdk.CfnOutput(self, "DomainUrl", value=self.domain.url)
        cdk.CfnOutput(self, "StudioBucketName", value=self.bucket.bucket_name)

    def _hub(self, config: PlatformConfig, section: HubSection) -> PrivateHub:
        """A private hub with its content; every persona browses and uses it, the curators manage it."""
        del config
        hub = PrivateHub(
            self,
            f"Hub-{section.name}",
            name=section.name,
            description=section.description,
            display_name=section.display_name,
            keywords=section.keywords,
            encryption_key=self.key,
            access_log_bucket=self.access_logs.bucket,
        )
        for role in self.roles.values():
            hub.grant_read(role)
        for persona, role in self.roles.items():
            if persona in section.curator_personas:
                hub.grant_curate(role)
            else:
                hub.deny_curate(role)
        for i, arn in enumerate(section.curator_roles):
            curator = iam.Role.from_role_arn(self, f"Hub-{section.name}-Curator{i}", arn)
            hub.grant_curate(curator)  # a policy of this stack attached to the existing role
            acknowledge_wildcards(curator, HUB_WILDCARD_REASON)
            acknowledge(curator, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
        if section.share_with_accounts:
            hub.share_with_accounts(section.share_with_accounts)
        for item in section.content:
            if item.model_id is not None:
                HubModelReference(
                    hub, f"Content-{item.content_name}", hub=hub, model_id=item.model_id, name=item.name,
                    min_version=item.min_version,
                )
                continue
            assert item.type is not None and item.version is not None  # the section requires them for an import
            document = item.document if item.document is not None else {
                "NotebookLocation": item.s3_uri, "Dependencies": []
            }
            HubContent(
                hub, f"Content-{item.content_name}", hub=hub, content_type=item.type, name=item.content_name,
                version=item.version, document=document, display_name=item.display_name,
                description=item.description, keywords=item.keywords,
            )
        return hub

    def _publish(self, config: PlatformConfig) -> None:
        values: dict[tuple[str, ...], str] = {
            ("domain-id",): self.domain.domain_id,
            ("key-arn",): self.key.key_arn,
            **{("roles", persona): role.role_arn for persona, role in self.roles.items()},
        }
        for parts, value in values.items():
            ssm.StringParameter(
                self,
                "Param-" + "-".join(parts),
                parameter_name=ssm_name(config, *parts),
                string_value=value,
                description="Published by the SageMaker platform's StudioStack for its UsersStacks",
            )

    def _mlflow(self, config: PlatformConfig) -> MlflowTrackingServer:
        """The platform's MLflow tracking server; each persona logs, reads or is refused, as ``mlflow:`` says."""
        section = config.mlflow
        server = MlflowTrackingServer(
            self,
            "Mlflow",
            tracking_server_name=f"{config.platform.prefix}-mlflow",
            encryption_key=self.key,
            access_log_bucket=self.access_logs.bucket,
            size=section.size,
            mlflow_version=section.mlflow_version,
            automatic_model_registration=section.automatic_model_registration,
            weekly_maintenance_window_start=section.weekly_maintenance_window,
        )
        for persona, role in self.roles.items():
            access = section.access(persona)
            if access == "log":
                server.grant_log(role)
            elif access == "read":
                server.grant_read(role)
                server.deny_log(role)
            else:
                server.deny_read(role)
            if access is not None and persona in section.presigned_url_personas:
                server.grant_presigned_url(role)
            else:
                server.deny_presigned_url(role)
        cdk.CfnOutput(self, "MlflowTrackingServerArn", value=server.tracking_server_arn)
        return server

"""UsersStack: one shard of the user profiles (and their private spaces) with the teardown that guards them.

A large domain is split over several stacks so none nears CloudFormation's 500-resource limit. A shard finds the
domain, roles and key through SSM parameters resolved at deploy time (no lookup at synth, no export to lock them).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from sagemaker_platform.config import PlatformConfig, UserSection
from sagemaker_platform.constructs.domain import StudioDomain, TeardownOptions
from sagemaker_platform.constructs.file_system import attach_to_space
from sagemaker_platform.constructs.lifecycle_config import ImportedLifecycleConfig, LifecycleConfig
from sagemaker_platform.constructs.space import PrivateSpace
from sagemaker_platform.constructs.user_profile import UserProfile
from sagemaker_platform.stacks.studio import (
    custom_image_registrations,
    default_apps,
    lcc_script,
    portal_settings,
    shared_file_systems,
    ssm_name,
)


class UsersStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: PlatformConfig, users: list[UserSection], **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        domain_id = ssm.StringParameter.value_for_string_parameter(self, ssm_name(config, "domain-id"))
        key = kms.Key.from_key_arn(
            self, "Key", ssm.StringParameter.value_for_string_parameter(self, ssm_name(config, "key-arn"))
        )
        self.domain = StudioDomain.from_domain_attributes(
            self,
            "Domain",
            domain_id=domain_id,
            teardown=TeardownOptions(
                delete_private_space_data=config.teardown.delete_private_space_data,
                home_efs=config.teardown.home_efs,
                timeout=cdk.Duration.minutes(config.teardown.timeout_minutes),
                encryption_key=key,
            ),
        )
        roles = {
            persona: iam.Role.from_role_arn(
                self,
                f"Role-{persona}",
                ssm.StringParameter.value_for_string_parameter(self, ssm_name(config, "roles", persona)),
                mutable=False,
            )
            for persona in dict.fromkeys(u.persona for u in users)  # first-seen order: a set's varies per run
        }
        # The domain guards every profile and space of this shard; 0.1 named the teardown "Teardown".
        self.teardown = self.domain.teardown_for(self, "Teardown")
        lccs: dict[str, ImportedLifecycleConfig] = {}
        for lc in config.domain.lifecycle_configs:
            lccs[lc.name] = LifecycleConfig.from_script(
                self, f"Lcc-{lc.name}", name=lc.name, app_type=lc.app_type, script=lcc_script(config, lc),
                # The StudioStack's namespace and the tags build_platform gives every stack (part of the name).
                namespace=config.platform.prefix,
                tags={"sagemaker-platform": config.platform.prefix, **config.platform.tags},
            )
        self.profiles: list[UserProfile] = []
        self.spaces: list[PrivateSpace] = []
        persona_props = {persona: self._persona_props(config, persona, lccs) for persona in roles}
        for user in users:
            profile = self.domain.add_user_profile(
                f"User-{user.name}",
                scope=self,
                user_profile_name=user.name,
                execution_role=roles[user.persona],
                sso_user_name=user.sso_user_name,
                lifecycle_configs=[lccs[name] for name in user.lifecycle_configs],
                tags={"persona": user.persona},
                **persona_props[user.persona],
            )
            self.profiles.append(profile)
            for space in user.private_spaces:
                self.spaces.append(
                    profile.add_private_space(
                        f"Space-{space.name}",
                        scope=self,
                        space_name=space.name,
                        app_type=space.app_type,
                        ebs_gb=space.ebs_gb,
                        display_name=space.display_name,
                        remote_access=space.remote_access,
                        default_lifecycle_config=lccs[space.default_lifecycle_config]
                        if space.default_lifecycle_config
                        else None,
                    )
                )
        # Private spaces mount the first shared file system, as the shared spaces do (a space mounts one).
        file_systems = shared_file_systems(self, config)
        for private_space in self.spaces if file_systems else []:
            attach_to_space(private_space, file_systems[0])

    def _persona_props(
        self, config: PlatformConfig, persona: str, lccs: dict[str, ImportedLifecycleConfig]
    ) -> dict[str, Any]:
        """A persona's Studio settings for its profiles; empty when it has none, so profiles inherit the domain's.

        A profile's lists and default spec replace the domain's: its portal settings repeat what the domain hides,
        its custom images include the domain's, and a pinned default app keeps the domain's default lifecycle config.
        """
        props: dict[str, Any] = {}
        own = config.domain.personas.get(persona)  # type: ignore[call-overload]
        if own is not None and own.portal != type(own.portal)():
            props["portal"] = portal_settings(config, persona)
        if any(persona in image.personas for image in config.domain.custom_images):
            props["custom_images"] = custom_image_registrations(config, persona)
        apps = default_apps(self, config, persona) if own is not None else {}
        if apps:
            props["default_apps"] = apps
            domain_defaults = {lc.app_type: lccs[lc.name] for lc in config.domain.lifecycle_configs if lc.default}
            kept = {app: lcc for app, lcc in domain_defaults.items() if app in apps}
            if kept:
                props["default_lifecycle_configs"] = kept
        return props

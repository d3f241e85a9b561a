"""Studio spaces: private (owned by one user profile) or shared (every user of the domain).

A space's sharing type and owner are create-only, but its name stays the one given: a space holds its owner's work
on its EBS volume, and deployed spaces must keep their names across upgrades. A change of owner or sharing type
would make CloudFormation replace the space; under the fixed name it refuses before anything is deleted. To move a
space, remove it in one deploy (the teardown decides about a private space's data) and add it in the next.

Idle shutdown is not a per-space setting here: ``AWS::SageMaker::Space`` has no ``AppLifecycleManagement`` (the API
has, the CloudFormation schema does not), so spaces follow the domain's idle shutdown.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.constructs.interfaces import IStudioDomain, require_domain
from sagemaker_platform.constructs.lifecycle_config import AnyLifecycleConfig
from sagemaker_platform.constructs.user_profile import UserProfileBase
from sagemaker_platform.rules import SPACE_NAME as _SPACE_NAME_RULE
from sagemaker_platform.rules import is_token

SPACE_NAME = _SPACE_NAME_RULE.regex
SPACE_APP_TYPES = ("JupyterLab", "CodeEditor")


class StudioSpace(cdk.Resource):
    """What private and shared spaces share. Attributes: ``space_name``, ``space_arn``, ``app_type``, ``owner``,
    ``domain``; the CfnSpace is ``node.default_child`` (also ``resource``)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        kind: str,
        domain: IStudioDomain,
        space_name: str,
        app_type: str,
        owner: UserProfileBase | None,
        ebs_gb: int | None,
        default_lifecycle_config: AnyLifecycleConfig | None,
        display_name: str | None,
        remote_access: bool = False,
    ) -> None:
        """Use :class:`PrivateSpace` or :class:`SharedSpace`; they document the props.

        :param kind: the subclass's name, used in error messages.
        :param domain: the domain (owned or imported).
        :param space_name: 1-62 letters, digits and dashes.
        :param app_type: JupyterLab or CodeEditor.
        :param owner: the owning profile of a private space (None: shared).
        :param ebs_gb: the volume size (None: the domain's).
        :param default_lifecycle_config: the lifecycle config the space's apps start with.
        :param display_name: the name Studio shows.
        :param remote_access: let users connect to the space from a local IDE (``RemoteAccess``); off unless set.
        """
        require_domain(kind, domain)
        super().__init__(scope, construct_id)
        if not is_token(space_name) and not SPACE_NAME.match(space_name):
            raise ValueError(f"{kind} space_name: 1-62 letters, digits and dashes (got {space_name!r})")
        if app_type not in SPACE_APP_TYPES:
            raise ValueError(f"{kind} app_type: must be one of {', '.join(SPACE_APP_TYPES)} (got {app_type!r})")
        if ebs_gb is not None and not 5 <= ebs_gb <= 16384:
            raise ValueError(f"{kind} ebs_gb: must be 5-16384 (got {ebs_gb})")
        if default_lifecycle_config is not None and default_lifecycle_config.app_type != app_type:
            raise ValueError(
                f"{kind} default_lifecycle_config: {default_lifecycle_config.logical_name!r} is for "
                f"{default_lifecycle_config.app_type} apps but the space runs {app_type} "
                f"(got {default_lifecycle_config.app_type!r})"
            )
        block: dict[str, Any] = {}
        if default_lifecycle_config is not None:
            block["defaultResourceSpec"] = {"lifecycleConfigArn": default_lifecycle_config.arn}
        settings: dict[str, Any] = {"appType": app_type}
        if block:
            settings["jupyterLabAppSettings" if app_type == "JupyterLab" else "codeEditorAppSettings"] = block
        if ebs_gb is not None:
            settings["spaceStorageSettings"] = {"ebsStorageSettings": {"ebsVolumeSizeInGb": ebs_gb}}
        if remote_access:  # absent is the service's default, DISABLED (UpdateSpace needs the apps stopped)
            settings["remoteAccess"] = "ENABLED"
        self.resource = sagemaker.CfnSpace(
            self,
            "Resource",
            domain_id=domain.domain_id,
            space_name=space_name,
            space_display_name=display_name,
            ownership_settings={"ownerUserProfileName": owner.user_profile_name} if owner else None,
            space_sharing_settings={"sharingType": "Private" if owner else "Shared"},
            space_settings=settings,
        )
        if owner is not None:
            self.resource.node.add_dependency(owner)
        if default_lifecycle_config is not None:
            self.resource.node.add_dependency(default_lifecycle_config)
        self.space_name = space_name
        self.space_arn = self.resource.attr_space_arn
        self.app_type = app_type
        self.owner = owner
        self.domain = domain
        self.remote_access = remote_access
        domain.register_member(self, scope)

    @staticmethod
    def from_space_name(
        scope: Construct, construct_id: str, *, domain: IStudioDomain, space_name: str
    ) -> ImportedSpace:
        """A space created elsewhere, by name.

        :param domain: the domain the space belongs to (owned or imported).
        :param space_name: the space's name.
        """
        return ImportedSpace(scope, construct_id, domain=domain, space_name=space_name)


class ImportedSpace(cdk.Resource):
    """A space created elsewhere (in Studio, another app), by name."""

    def __init__(self, scope: Construct, construct_id: str, *, domain: IStudioDomain, space_name: str) -> None:
        """
        :param domain: the domain the space belongs to (owned or imported).
        :param space_name: the space's name.
        """
        require_domain("Space", domain)
        super().__init__(scope, construct_id)
        self.domain = domain
        self.space_name = space_name
        self.space_arn = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="space", resource_name=f"{domain.domain_id}/{space_name}"
        )


class PrivateSpace(StudioSpace):
    """A space only its owner can open; its EBS volume holds the owner's work."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        owner: UserProfileBase,
        space_name: str,
        domain: IStudioDomain | None = None,
        app_type: str = "JupyterLab",
        ebs_gb: int | None = None,
        default_lifecycle_config: AnyLifecycleConfig | None = None,
        display_name: str | None = None,
        remote_access: bool = False,
    ) -> None:
        """
        :param owner: the user profile that owns it (its domain is the space's).
        :param space_name: 1-62 letters, digits and dashes.
        :param domain: defaults to the owner's domain.
        :param app_type: JupyterLab or CodeEditor.
        :param ebs_gb: the volume size (default: the domain's).
        :param default_lifecycle_config: the lifecycle config the space's apps start with.
        :param display_name: the name Studio shows.
        :param remote_access: let the owner connect from a local IDE (off unless set).
        """
        super().__init__(
            scope,
            construct_id,
            kind="PrivateSpace",
            domain=domain or owner.domain,
            space_name=space_name,
            app_type=app_type,
            owner=owner,
            ebs_gb=ebs_gb,
            default_lifecycle_config=default_lifecycle_config,
            display_name=display_name,
            remote_access=remote_access,
        )


class SharedSpace(StudioSpace):
    """A space every user of the domain can open; it runs as the domain's default space execution role."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        domain: IStudioDomain,
        space_name: str,
        app_type: str = "JupyterLab",
        ebs_gb: int | None = None,
        default_lifecycle_config: AnyLifecycleConfig | None = None,
        display_name: str | None = None,
        remote_access: bool = False,
    ) -> None:
        """
        :param domain: the domain (owned or imported).
        :param space_name: 1-62 letters, digits and dashes.
        :param app_type: JupyterLab or CodeEditor.
        :param ebs_gb: the volume size (default: the domain's).
        :param default_lifecycle_config: the lifecycle config the space's apps start with.
        :param display_name: the name Studio shows.
        :param remote_access: let users connect from a local IDE (off unless set).
        """
        super().__init__(
            scope,
            construct_id,
            kind="SharedSpace",
            domain=domain,
            space_name=space_name,
            app_type=app_type,
            owner=None,
            ebs_gb=ebs_gb,
            default_lifecycle_config=default_lifecycle_config,
            display_name=display_name,
            remote_access=remote_access,
        )

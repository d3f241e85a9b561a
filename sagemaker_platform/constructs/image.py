"""Custom Studio images: an ECR image made into a SageMaker image, its version and its app image config.

Studio runs a custom image only if the image keeps the contract of its app type, so the contract is checked at
synth: JupyterLab and Code Editor images run as UID 1000 / GID 100 and serve on port 8888 under
``jupyterlab/default`` or ``codeeditor/default`` (the app is always named ``default``); Studio Classic
(KernelGateway) images run as 1000/100 or 0/0 and name one kernel. JupyterLab and Code Editor app image configs have
no user or port settings (the API rejects ``FileSystemConfig`` for them), so these values describe the image; for
KernelGateway they become its ``FileSystemConfig``.

SageMaker pulls ``image_uri`` with the image's role (``ImageRoleArn``) when it creates the version and keeps its
own copy (the version's ``ContainerImage``), which Studio apps start from; the role may pull from the image's
repository only. The image and app image config names are derived from the name and a namespace, so two
environments in one account never collide and another stack can name the image without a reference.

A new ``image_uri`` (a new tag) is a new ``AWS::SageMaker::ImageVersion`` (its ``BaseImage`` is create-only):
CloudFormation creates version n+1, then deletes version n; profiles that list the image without a version number
get the new one when their apps restart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform.acknowledgements import (
    INLINE_POLICY_IDS,
    INLINE_POLICY_REASON,
    acknowledge,
    acknowledge_wildcards,
)
from sagemaker_platform.constructs.roles import sagemaker_service_principal
from sagemaker_platform.constructs.studio_settings import ImageRegistration
from sagemaker_platform.constructs.typecheck import require
from sagemaker_platform.rules import RuleError, derived_name, is_token, name_digest
from sagemaker_platform.rules import images as image_rules
from sagemaker_platform.rules.images import APP_CONTRACT, ECR_IMAGE_URI, IMAGE_NAME

__all__ = [
    "APP_CONTRACT",
    "ECR_IMAGE_URI",
    "IMAGE_NAME",
    "CustomImage",
    "check_image_contract",
    "image_physical_name",
    "parse_image_uri",
]

NAME_LIMIT = 63

DEFAULT_MOUNT_PATH = "/home/sagemaker-user"
_PULL_ACTIONS = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"]
_WILDCARD_REASON = "ecr:GetAuthorizationToken has no resource-level permissions; pulls name the image's repository."


def parse_image_uri(owner: str, image_uri: str) -> re.Match[str]:
    """The parts of an ECR image URI, or one error naming the field."""
    match = ECR_IMAGE_URI.match(image_uri)
    if match is None:
        raise ValueError(
            f"{owner} image_uri: an ECR image, <account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>] "
            f"(got {image_uri!r})"
        )
    return match


def check_image_contract(
    owner: str,
    app_type: str,
    *,
    uid: int | None = None,
    gid: int | None = None,
    port: int | None = None,
    base_url: str | None = None,
) -> tuple[int, int]:
    """The image's (uid, gid), its defaults filled in, after checking the values Studio requires of ``app_type``
    (``rules.images``)."""
    try:
        return image_rules.check_image_contract(app_type, uid=uid, gid=gid, port=port, base_url=base_url)
    except RuleError as exc:
        raise ValueError(f"{owner} {exc}") from None


def image_physical_name(name: str, namespace: str) -> str:
    """The name :class:`CustomImage` gives its image and app image config: ``<name>-<digest of the namespace>``."""
    return derived_name(name, name_digest(namespace, {}), NAME_LIMIT)


class CustomImage(cdk.Resource):
    """A custom image users can pick in Studio (register it with the domain's or a profile's ``custom_images``).

    Attributes: ``image_name``, ``image_arn``, ``app_image_config_name``, ``app_type``, ``image_uri``, ``role``,
    ``registration``; the L1s are ``image``, ``version`` and ``app_image_config``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        app_type: str,
        image_uri: str,
        uid: int | None = None,
        gid: int | None = None,
        port: int | None = None,
        base_url: str | None = None,
        kernel_name: str = "python3",
        kernel_display_name: str | None = None,
        mount_path: str = DEFAULT_MOUNT_PATH,
        display_name: str | None = None,
        description: str | None = None,
        environment: Mapping[str, str] | None = None,
        role: iam.IRole | None = None,
        namespace: str | None = None,
    ) -> None:
        """
        :param name: 1-40 lower-case letters, digits and single dashes; the physical names add a digest of the
            namespace.
        :param app_type: JupyterLab, CodeEditor or KernelGateway (Studio Classic).
        :param image_uri: the ECR image (``<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag>]``).
        :param uid: the image's user id (default 1000; KernelGateway images may also run as 0).
        :param gid: the image's group id (default 100; 0 with uid 0).
        :param port: the port the image serves on (JupyterLab and Code Editor: 8888).
        :param base_url: the path it serves under (``jupyterlab/default`` or ``codeeditor/default``).
        :param kernel_name: the kernel a KernelGateway image offers.
        :param kernel_display_name: its display name.
        :param mount_path: where a KernelGateway image mounts the user's home directory.
        :param display_name: the name Studio shows.
        :param description: the image's description.
        :param environment: variables set in JupyterLab and Code Editor containers.
        :param role: the role SageMaker pulls the image with (default: a role that may pull from the image's
            repository only).
        :param namespace: keeps names apart across stacks and environments (default: the stack's name and this
            construct's path). Give one (e.g. the platform's prefix) when other stacks register the image by name.
        """
        owner = "CustomImage"
        if role is not None:
            require(owner, "role", role, iam.IRole)
        super().__init__(scope, construct_id)
        if not IMAGE_NAME.match(name):
            raise ValueError(
                f"{owner} name: 1-40 lower-case letters, digits and single dashes, starting and ending with a letter "
                f"or digit (got {name!r})"
            )
        uid, gid = check_image_contract(owner, app_type, uid=uid, gid=gid, port=port, base_url=base_url)
        uri = None if is_token(image_uri) else parse_image_uri(owner, image_uri)
        if not mount_path.startswith("/") or len(mount_path) > 1024:
            raise ValueError(f"{owner} mount_path: an absolute path of at most 1024 characters (got {mount_path!r})")
        if not 0 < len(kernel_name) <= 1024:
            raise ValueError(f"{owner} kernel_name: 1-1024 characters (got {kernel_name!r})")
        if display_name is not None and not re.fullmatch(r"[A-Za-z0-9 _-]{1,128}", display_name):
            raise ValueError(
                f"{owner} display_name: 1-128 letters, digits, spaces, dashes and underscores (got {display_name!r})"
            )
        if description is not None and not 0 < len(description) <= 512:
            raise ValueError(f"{owner} description: 1-512 characters (got {description!r})")
        env = dict(environment or {})
        if env and app_type == "KernelGateway":
            raise ValueError(
                f"{owner} environment: only JupyterLab and Code Editor images take variables (got {env!r})"
            )
        if len(env) > 25:
            raise ValueError(f"{owner} environment: at most 25 variables (got {len(env)})")
        for key, value in env.items():
            if not (0 < len(key) <= 256 and 0 < len(value) <= 256 and key.strip() and value.strip()):
                raise ValueError(
                    f"{owner} environment[{key}]: key and value 1-256 characters, not blank (got {value!r})"
                )

        stack = cdk.Stack.of(self)
        self.namespace = namespace if namespace is not None else f"{stack.stack_name}/{self.node.path}"
        self.image_name = image_physical_name(name, self.namespace)
        self.app_image_config_name = self.image_name
        self.app_type = app_type
        self.image_uri = image_uri

        if role is None:
            own_role = iam.Role(
                self, "Role", assumed_by=sagemaker_service_principal(self),
                description=f"Pulls the custom Studio image {name} for SageMaker",
            )
            own_role.add_to_policy(iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"]))
            repository_arn = (
                f"arn:{stack.partition}:ecr:{uri['region']}:{uri['account']}:repository/{uri['repository']}"
                if uri is not None
                else f"arn:{stack.partition}:ecr:{stack.region}:{stack.account}:repository/*"
            )
            own_role.add_to_policy(iam.PolicyStatement(actions=_PULL_ACTIONS, resources=[repository_arn]))
            acknowledge_wildcards(own_role, _WILDCARD_REASON)
            acknowledge(own_role, INLINE_POLICY_IDS, INLINE_POLICY_REASON)
            self.role: iam.IRole = own_role
        else:
            self.role = role

        self.image = sagemaker.CfnImage(
            self,
            "Resource",
            image_name=self.image_name,
            image_role_arn=self.role.role_arn,
            image_display_name=display_name,
            image_description=description,
        )
        self.image.node.add_dependency(self.role)  # SageMaker checks the role when the image is created
        self.image_arn = self.image.attr_image_arn
        self.version = sagemaker.CfnImageVersion(self, "Version", image_name=self.image_name, base_image=image_uri)
        self.version.node.add_dependency(self.image)
        self.version.node.add_dependency(self.role)  # the pull needs the role's policy, not just the role

        container: dict[str, Any] = {}
        if env:
            container["containerEnvironmentVariables"] = [{"key": k, "value": v} for k, v in sorted(env.items())]
        config: dict[str, Any] = {}
        if app_type == "JupyterLab":
            config["jupyter_lab_app_image_config"] = {"containerConfig": container} if container else {}
        elif app_type == "CodeEditor":
            config["code_editor_app_image_config"] = {"containerConfig": container} if container else {}
        else:
            kernel: dict[str, Any] = {"name": kernel_name}
            if kernel_display_name is not None:
                kernel["displayName"] = kernel_display_name
            config["kernel_gateway_image_config"] = {
                "kernelSpecs": [kernel],
                "fileSystemConfig": {"defaultUid": uid, "defaultGid": gid, "mountPath": mount_path},
            }
        self.app_image_config = sagemaker.CfnAppImageConfig(
            self, "AppImageConfig", app_image_config_name=self.app_image_config_name, **config
        )

    @property
    def registration(self) -> ImageRegistration:
        """How app settings list this image (its latest version)."""
        return ImageRegistration(
            app_type=self.app_type, image_name=self.image_name, app_image_config_name=self.app_image_config_name
        )

    @staticmethod
    def registration_for(name: str, app_type: str, namespace: str) -> ImageRegistration:
        """How app settings in another stack list the image ``name`` built with ``namespace`` (no reference).

        :param name: the image's ``name`` prop.
        :param app_type: its app type.
        :param namespace: the ``namespace`` it was built with.
        """
        physical = image_physical_name(name, namespace)
        return ImageRegistration(app_type=app_type, image_name=physical, app_image_config_name=physical)

    @staticmethod
    def arn_for(scope: Construct, name: str, namespace: str) -> str:
        """The ARN of the image ``name`` built with ``namespace``, in ``scope``'s account and region.

        :param scope: a construct in the stack whose account and region the image is in.
        :param name: the image's ``name`` prop.
        :param namespace: the ``namespace`` it was built with.
        """
        return cdk.Stack.of(scope).format_arn(
            service="sagemaker", resource="image", resource_name=image_physical_name(name, namespace)
        )


def images_of(images: Sequence[CustomImage | ImageRegistration]) -> list[ImageRegistration]:
    """Registrations of constructs and registrations alike."""
    return [image.registration if isinstance(image, CustomImage) else image for image in images]

"""Settings blocks shared by the domain and its user profiles: idle shutdown, lifecycle configs, default images and
instance types per app type, custom images, and what the Studio web portal hides."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_platform.constructs.lifecycle_config import APP_TYPES, AnyLifecycleConfig
from sagemaker_platform.rules import RuleError, hidden_app_type, is_token, studio_instance_type
from sagemaker_platform.rules import idle as idle_rules
from sagemaker_platform.rules.images import (
    CUSTOM_IMAGE_APP_TYPES,
    IMAGE_ARN,
    IMAGE_VERSION_ARN,
    MAX_HIDDEN_ALIASES,
    VERSION_ALIAS,
)

# StudioWebPortalSettings.HiddenMlTools: the MlTools enum of the Domain and UserProfile schemas (a test compares).
ML_TOOLS: tuple[str, ...] = (
    "DataWrangler", "FeatureStore", "EmrClusters", "AutoMl", "Experiments", "Training", "ModelEvaluation",
    "Pipelines", "Models", "JumpStart", "InferenceRecommender", "Endpoints", "Projects", "InferenceOptimization",
    "HyperPodClusters", "Comet", "DeepchecksLLMEvaluation", "Fiddler", "LakeraGuard", "PerformanceEvaluation",
)
# HiddenSageMakerImageVersionAliases: the only image the schema lets the portal hide versions of.
DISTRIBUTION_IMAGE = "sagemaker_distribution"
# Apps whose DefaultResourceSpec the platform pins (the new Studio IDEs).
DEFAULT_APP_TYPES = ("JupyterLab", "CodeEditor")
# App types a custom image registers for, and the settings block that lists it.
MAX_CUSTOM_IMAGES = 200


@dataclass(frozen=True)
class IdleShutdown:
    """Built-in idle shutdown (AppLifecycleManagement.IdleSettings); bounds and defaults from ``rules.idle``."""

    idle_timeout_minutes: int = idle_rules.DEFAULT_IDLE_TIMEOUT_MINUTES
    min_idle_timeout_minutes: int = idle_rules.DEFAULT_MIN_IDLE_TIMEOUT_MINUTES
    max_idle_timeout_minutes: int = idle_rules.DEFAULT_MAX_IDLE_TIMEOUT_MINUTES

    def validate(self, owner: str) -> None:
        try:
            idle_rules.check_idle_shutdown(
                self.idle_timeout_minutes, self.min_idle_timeout_minutes, self.max_idle_timeout_minutes
            )
        except RuleError as exc:
            raise ValueError(f"{owner} idle_shutdown.{exc.field}: {exc.problem} (got {exc.value!r})") from None

    def settings(self) -> dict[str, Any]:
        return {
            "idleSettings": {
                "lifecycleManagement": "ENABLED",
                "idleTimeoutInMinutes": self.idle_timeout_minutes,
                "minIdleTimeoutInMinutes": self.min_idle_timeout_minutes,
                "maxIdleTimeoutInMinutes": self.max_idle_timeout_minutes,
            }
        }


def _unique(values: Sequence[str]) -> list[str]:
    """The values once each, in first-seen order (the portal lists are sets in the schema)."""
    return list(dict.fromkeys(values))


@dataclass(frozen=True)
class PortalSettings:
    """What the Studio web portal hides (``StudioWebPortalSettings``). Hiding is presentation, not a permission:
    the execution role's policies still decide what a user can call.

    :param hidden_ml_tools: tools of the left navigation pane to hide (the schema's ``MlTools`` enum).
    :param hidden_app_types: app types to hide (JupyterLab, CodeEditor, Canvas ...).
    :param hidden_instance_types: instance types the app launcher does not offer.
    :param hidden_image_version_aliases: SageMaker Distribution versions (``major.minor``) the launcher hides.
    """

    hidden_ml_tools: Sequence[str] = ()
    hidden_app_types: Sequence[str] = ()
    hidden_instance_types: Sequence[str] = ()
    hidden_image_version_aliases: Sequence[str] = ()

    def validate(self, owner: str) -> None:
        for i, tool in enumerate(self.hidden_ml_tools):
            if not is_token(tool) and tool not in ML_TOOLS:
                raise ValueError(
                    f"{owner} hidden_ml_tools[{i}]: must be one of {', '.join(ML_TOOLS)} (got {tool!r})"
                )
        for i, app in enumerate(self.hidden_app_types):
            hidden_app_type(f"{owner} hidden_app_types[{i}]", app)
        for i, instance_type in enumerate(self.hidden_instance_types):
            studio_instance_type(f"{owner} hidden_instance_types[{i}]", instance_type)
        if len(self.hidden_image_version_aliases) > MAX_HIDDEN_ALIASES:
            raise ValueError(
                f"{owner} hidden_image_version_aliases: at most {MAX_HIDDEN_ALIASES} "
                f"(got {len(self.hidden_image_version_aliases)})"
            )
        for i, alias in enumerate(self.hidden_image_version_aliases):
            if not is_token(alias) and not VERSION_ALIAS.match(alias):
                raise ValueError(
                    f"{owner} hidden_image_version_aliases[{i}]: a SageMaker Distribution version as major.minor, "
                    f"e.g. 1.9 (got {alias!r})"
                )

    def merged(self, other: PortalSettings | None) -> PortalSettings:
        """These settings plus ``other``'s: a profile's settings replace the domain's field by field, so a
        persona that hides more must repeat what the domain hides."""
        if other is None:
            return self
        return PortalSettings(
            hidden_ml_tools=_unique([*self.hidden_ml_tools, *other.hidden_ml_tools]),
            hidden_app_types=_unique([*self.hidden_app_types, *other.hidden_app_types]),
            hidden_instance_types=_unique([*self.hidden_instance_types, *other.hidden_instance_types]),
            hidden_image_version_aliases=_unique(
                [*self.hidden_image_version_aliases, *other.hidden_image_version_aliases]
            ),
        )

    def settings(self) -> dict[str, Any] | None:
        """The ``studioWebPortalSettings`` block, or None when nothing is hidden."""
        block: dict[str, Any] = {}
        if self.hidden_ml_tools:
            block["hiddenMlTools"] = _unique(self.hidden_ml_tools)
        if self.hidden_app_types:
            block["hiddenAppTypes"] = _unique(self.hidden_app_types)
        if self.hidden_instance_types:
            block["hiddenInstanceTypes"] = _unique(self.hidden_instance_types)
        if self.hidden_image_version_aliases:
            block["hiddenSageMakerImageVersionAliases"] = [
                {"sageMakerImageName": DISTRIBUTION_IMAGE, "versionAliases": _unique(self.hidden_image_version_aliases)}
            ]
        return block or None


@dataclass(frozen=True)
class AppDefaults:
    """The image and instance type a JupyterLab or Code Editor app starts with (``DefaultResourceSpec``).

    :param instance_type: a Studio app instance type (the project's table of the schema's enum).
    :param image_arn: a SageMaker image's ARN: a SageMaker Distribution image of the region, or a custom image
        (:attr:`~sagemaker_platform.constructs.image.CustomImage.image_arn`).
    :param image_version_arn: pins one version of the image (default: its latest).
    """

    instance_type: str | None = None
    image_arn: str | None = None
    image_version_arn: str | None = None

    def validate(self, owner: str) -> None:
        if self.instance_type is not None:
            studio_instance_type(f"{owner}.instance_type", self.instance_type)
        if self.image_arn is not None and not is_token(self.image_arn) and not IMAGE_ARN.match(self.image_arn):
            raise ValueError(
                f"{owner}.image_arn: a SageMaker image ARN, arn:<partition>:sagemaker:<region>:<account>:image/<name> "
                f"with a lower-case name (got {self.image_arn!r})"
            )
        version = self.image_version_arn
        if version is not None and not is_token(version):
            if not IMAGE_VERSION_ARN.match(version):
                raise ValueError(
                    f"{owner}.image_version_arn: arn:<partition>:sagemaker:<region>:<account>:image-version/<name>/"
                    f"<number> (got {version!r})"
                )
            image = self.image_arn
            if image is not None and not is_token(image) and image.split(":image/")[-1] != version.split("/")[-2]:
                raise ValueError(
                    f"{owner}.image_version_arn: a version of {image.split(':image/')[-1]!r}, the image of image_arn "
                    f"(got {version!r})"
                )

    def spec(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.instance_type is not None:
            out["instanceType"] = self.instance_type
        if self.image_arn is not None:
            out["sageMakerImageArn"] = self.image_arn
        if self.image_version_arn is not None:
            out["sageMakerImageVersionArn"] = self.image_version_arn
        return out


@dataclass(frozen=True)
class ImageRegistration:
    """A custom image as the app settings list it (``CustomImages``): what
    :attr:`~sagemaker_platform.constructs.image.CustomImage.registration` gives, or built from the names alone in
    another stack.

    :param app_type: JupyterLab, CodeEditor or KernelGateway (Studio Classic).
    :param image_name: the ``AWS::SageMaker::Image``'s name.
    :param app_image_config_name: the ``AWS::SageMaker::AppImageConfig``'s name.
    :param image_version_number: pins a version (default: the latest).
    """

    app_type: str
    image_name: str
    app_image_config_name: str
    image_version_number: int | None = None

    def settings(self) -> dict[str, Any]:
        out: dict[str, Any] = {"imageName": self.image_name, "appImageConfigName": self.app_image_config_name}
        if self.image_version_number is not None:
            out["imageVersionNumber"] = self.image_version_number
        return out


def check_app_defaults(owner: str, default_apps: Mapping[str, AppDefaults]) -> None:
    for app_type, defaults in default_apps.items():
        if app_type not in DEFAULT_APP_TYPES:
            raise ValueError(
                f"{owner} default_apps: must be keyed by {' or '.join(DEFAULT_APP_TYPES)} (got {app_type!r})"
            )
        defaults.validate(f"{owner} default_apps[{app_type}]")


def check_custom_images(owner: str, images: Sequence[ImageRegistration]) -> None:
    seen: set[tuple[str, str]] = set()
    for i, image in enumerate(images):
        if image.app_type not in CUSTOM_IMAGE_APP_TYPES:
            raise ValueError(
                f"{owner} custom_images[{i}].app_type: must be one of {', '.join(CUSTOM_IMAGE_APP_TYPES)} "
                f"(got {image.app_type!r})"
            )
        key = (image.app_type, image.image_name)
        if key in seen:
            raise ValueError(f"{owner} custom_images[{i}]: {image.image_name!r} is listed twice (got {image!r})")
        seen.add(key)
    for app_type in CUSTOM_IMAGE_APP_TYPES:
        count = sum(1 for image in images if image.app_type == app_type)
        if count > MAX_CUSTOM_IMAGES:
            raise ValueError(f"{owner} custom_images: at most {MAX_CUSTOM_IMAGES} per app type (got {count})")


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
    *,
    default_apps: Mapping[str, AppDefaults] | None = None,
    custom_images: Sequence[ImageRegistration] = (),
) -> dict[str, Any]:
    """The four ``*AppSettings`` blocks of UserSettings, with idle shutdown on JupyterLab and Code Editor, each
    app's default image and instance type next to its default lifecycle config, and the custom images."""
    check_app_defaults(owner, default_apps or {})
    check_custom_images(owner, custom_images)
    settings: dict[str, Any] = {}
    for app_type, block in lifecycle_settings(owner, lifecycle_configs, defaults).items():
        settings[_APP_SETTINGS_KEY[app_type]] = dict(block)
    for app_type, app_defaults in (default_apps or {}).items():
        spec = app_defaults.spec()
        if spec:
            block = settings.setdefault(_APP_SETTINGS_KEY[app_type], {})
            block["defaultResourceSpec"] = {**block.get("defaultResourceSpec", {}), **spec}
    for image in custom_images:
        block = settings.setdefault(_APP_SETTINGS_KEY[image.app_type], {})
        block.setdefault("customImages", []).append(image.settings())
    if idle_shutdown is not None:
        for app_type in ("JupyterLab", "CodeEditor"):
            key = _APP_SETTINGS_KEY[app_type]
            settings.setdefault(key, {})["appLifecycleManagement"] = idle_shutdown.settings()
    return settings

"""Settings blocks shared by the domain and its user profiles: idle shutdown and lifecycle configs per app type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sagemaker_platform.constructs.lifecycle_config import APP_TYPES, AnyLifecycleConfig
from sagemaker_platform.rules import RuleError
from sagemaker_platform.rules import idle as idle_rules


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

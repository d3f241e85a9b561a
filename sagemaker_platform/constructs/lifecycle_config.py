"""Studio lifecycle configurations whose name is derived from their content.

Lifecycle configs are immutable and CloudFormation requires a name, so a changed script under a fixed name would
collide on replacement. Hashing the content into the name makes every change a new resource: CloudFormation creates
it, points the domain/profile/space at it, then deletes the old one. Running apps keep the old script until they
restart (see docs/operations.md).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Literal

import aws_cdk as cdk
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "lcc"
APP_TYPES = ("JupyterLab", "CodeEditor", "JupyterServer", "KernelGateway")
MAX_CONTENT = 16384  # characters of base64 content accepted by CreateStudioLifecycleConfig
_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,39}$")


def builtin_script(name: str) -> Path:
    """A script shipped in ``sagemaker_platform/lcc`` by name (without ``.sh``)."""
    path = BUILTIN_DIR / f"{name}.sh"
    if not path.is_file():
        known = sorted(p.stem for p in BUILTIN_DIR.glob("*.sh"))
        raise ValueError(f"LifecycleConfig builtin: no packaged script named {name!r} (known: {', '.join(known)})")
    return path


def prepare_content(script: str, *, line_endings: Literal["normalize", "reject"] = "normalize") -> str:
    """Validate a script and return its base64 content, as the API takes it."""
    if "\r" in script:
        if line_endings == "reject":
            raise ValueError("LifecycleConfig script: CRLF or CR line endings are not allowed (got '\\r')")
        script = script.replace("\r\n", "\n").replace("\r", "\n")
    if not script.startswith("#!"):
        first = script.splitlines()[0] if script else ""
        raise ValueError(f"LifecycleConfig script: must start with a shebang such as '#!/bin/bash' (got {first!r})")
    content = base64.b64encode(script.encode("utf-8")).decode("ascii")
    if len(content) > MAX_CONTENT:
        raise ValueError(
            f"LifecycleConfig script: {len(content)} characters after base64, over the limit of {MAX_CONTENT} "
            f"(about {MAX_CONTENT * 3 // 4} bytes of script); move work into an image or a package (got "
            f"{len(script)} bytes)"
        )
    return content


def physical_name(name: str, app_type: str, content: str) -> str:
    digest = hashlib.sha256(f"{app_type}\n{content}".encode()).hexdigest()[:12]
    return f"{name}-{digest}"


class LifecycleConfig(Construct):
    """A lifecycle configuration for one app type, from a script file or text.

    Attributes: ``name`` (the derived physical name), ``arn``, ``app_type``, ``logical_name``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        app_type: str,
        script: str | None = None,
        script_path: str | Path | None = None,
        line_endings: Literal["normalize", "reject"] = "normalize",
    ) -> None:
        super().__init__(scope, construct_id)
        if not _NAME.match(name):
            raise ValueError(
                f"LifecycleConfig name: 1-40 letters, digits and dashes, starting with a letter or digit (got {name!r})"
            )
        if app_type not in APP_TYPES:
            raise ValueError(f"LifecycleConfig app_type: must be one of {', '.join(APP_TYPES)} (got {app_type!r})")
        if (script is None) == (script_path is None):
            raise ValueError("LifecycleConfig script: give exactly one of script or script_path (got both or none)")
        if script_path is not None:
            path = Path(script_path)
            if not path.is_file():
                raise ValueError(f"LifecycleConfig script_path: no such file (got {str(path)!r})")
            script = path.read_text(encoding="utf-8")
        assert script is not None
        content = prepare_content(script, line_endings=line_endings)
        self.logical_name = name
        self.app_type = app_type
        self.name = physical_name(name, app_type, content)
        self.resource = sagemaker.CfnStudioLifecycleConfig(
            self,
            "Resource",
            studio_lifecycle_config_name=self.name,
            studio_lifecycle_config_app_type=app_type,
            studio_lifecycle_config_content=content,
        )
        self.arn = self.resource.attr_studio_lifecycle_config_arn

    @staticmethod
    def from_script(
        scope: Construct, construct_id: str, *, name: str, app_type: str, script: str
    ) -> ImportedLifecycleConfig:
        """A lifecycle config created by another stack from the same script: its name (and so its ARN) is derived
        from the content, so attaching it needs no lookup and no cross-stack export."""
        physical = physical_name(name, app_type, prepare_content(script))
        return ImportedLifecycleConfig(scope, construct_id, name=name, app_type=app_type, physical=physical)


class ImportedLifecycleConfig(Construct):
    """A lifecycle config defined elsewhere; same attributes as :class:`LifecycleConfig`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, app_type: str, physical: str) -> None:
        super().__init__(scope, construct_id)
        self.logical_name = name
        self.app_type = app_type
        self.name = physical
        self.arn = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="studio-lifecycle-config", resource_name=physical
        )


AnyLifecycleConfig = LifecycleConfig | ImportedLifecycleConfig

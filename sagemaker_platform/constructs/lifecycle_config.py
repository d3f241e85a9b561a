"""Studio lifecycle configurations whose name is derived from everything CloudFormation replaces them for.

Lifecycle configs are immutable (every property, tags included, is create-only) and CloudFormation requires a
name, so a changed script or tag under a fixed name would collide on replacement. A digest of the app type, the
content, the tags and a namespace in the name makes every change a new resource: CloudFormation creates it, points
the domain/profile/space at it, then deletes the old one. The namespace (by default the stack's name and the
construct's path) keeps two domains, stacks or environments in one account apart. Running apps keep the old
script until they restart (see docs/operations.md).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import aws_cdk as cdk
from aws_cdk import aws_sagemaker as sagemaker
from constructs import Construct

from sagemaker_platform import instance_types
from sagemaker_platform.constructs.model import LazyDerivedName, default_namespace
from sagemaker_platform.rules import LIFECYCLE_CONFIG_NAME, derived_name, lifecycle_config_app_type, name_digest

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "lcc"
# The app types CloudFormation accepts (its schema's enum), in a stable order.
APP_TYPES = tuple(sorted(instance_types.LIFECYCLE_CONFIG_APP_TYPES))
CREATE_ONLY = ("StudioLifecycleConfigAppType", "StudioLifecycleConfigContent", "Tags")
NAME_LIMIT = 63
MAX_CONTENT = 16384  # characters of base64 content accepted by CreateStudioLifecycleConfig
_NAME = LIFECYCLE_CONFIG_NAME.regex


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


def physical_name(
    name: str, app_type: str, content: str, *, namespace: str, tags: Mapping[str, str] | None = None
) -> str:
    """The name a :class:`LifecycleConfig` with these values and exactly these tags gets."""
    values: dict[str, Any] = {"StudioLifecycleConfigAppType": app_type, "StudioLifecycleConfigContent": content}
    if tags:
        values["Tags"] = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]
    return derived_name(name, name_digest(namespace, values), NAME_LIMIT)


class LifecycleConfig(cdk.Resource):
    """A lifecycle configuration for one app type, from a script file or text.

    Attributes: ``name`` (the derived physical name, known at synth), ``arn``, ``app_type``, ``logical_name``,
    ``namespace``.
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
        namespace: str | None = None,
    ) -> None:
        """
        :param name: 1-40 letters, digits and dashes; the physical name adds a hash of the content.
        :param app_type: the app type it runs for (JupyterLab, CodeEditor, JupyterServer, KernelGateway).
        :param script: the script text (give this or ``script_path``); it must start with a shebang.
        :param script_path: a script file (give this or ``script``).
        :param line_endings: ``normalize`` turns CRLF and CR into LF; ``reject`` fails on them.
        :param namespace: keeps names apart across stacks and environments; default: the stack's name and this
            construct's path. Give one explicitly (e.g. the platform's prefix) when other stacks attach the config by
            name with :meth:`from_script`.
        """
        super().__init__(scope, construct_id)
        if not _NAME.match(name):
            raise ValueError(
                f"LifecycleConfig name: 1-40 letters, digits and dashes, starting with a letter or digit (got {name!r})"
            )
        lifecycle_config_app_type("LifecycleConfig app_type", app_type)
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
        self.namespace = namespace if namespace is not None else default_namespace(self)
        self.resource = sagemaker.CfnStudioLifecycleConfig(
            self,
            "Resource",
            studio_lifecycle_config_name=name,  # replaced below, once the resource exists to derive it from
            studio_lifecycle_config_app_type=app_type,
            studio_lifecycle_config_content=content,
        )
        # Tags are create-only too and arrive from Tags.of(...) aspects at synth: derive the name then.
        self.name = cdk.Token.as_string(LazyDerivedName(self.resource, name, CREATE_ONLY, self.namespace, NAME_LIMIT))
        self.resource.studio_lifecycle_config_name = self.name
        self.arn = self.resource.attr_studio_lifecycle_config_arn

    @staticmethod
    def from_script(
        scope: Construct,
        construct_id: str,
        *,
        name: str,
        app_type: str,
        script: str,
        namespace: str,
        tags: Mapping[str, str] | None = None,
    ) -> ImportedLifecycleConfig:
        """A lifecycle config created by another stack from the same script: its name (and so its ARN) is derived
        from the content, so attaching it needs no lookup and no cross-stack export.

        :param namespace: the ``namespace`` the owning :class:`LifecycleConfig` was given.
        :param tags: every tag the owning resource carries (including those ``Tags.of(...)`` added to its stack):
            tags are create-only, so they are part of the name.
        :param name: the ``name`` the owning :class:`LifecycleConfig` was given.
        :param app_type: its app type.
        :param script: its script text.
        """
        physical = physical_name(name, app_type, prepare_content(script), namespace=namespace, tags=tags)
        return ImportedLifecycleConfig(scope, construct_id, name=name, app_type=app_type, physical=physical)

    @staticmethod
    def from_lifecycle_config_name(
        scope: Construct, construct_id: str, *, lifecycle_config_name: str, app_type: str
    ) -> ImportedLifecycleConfig:
        """A lifecycle config created elsewhere, by its physical name.

        :param lifecycle_config_name: the physical name.
        :param app_type: the app type it was created for.
        """
        lifecycle_config_app_type("LifecycleConfig app_type", app_type)
        return ImportedLifecycleConfig(
            scope, construct_id, name=lifecycle_config_name, app_type=app_type, physical=lifecycle_config_name
        )


class ImportedLifecycleConfig(cdk.Resource):
    """A lifecycle config defined elsewhere; same attributes as :class:`LifecycleConfig`."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str, app_type: str, physical: str) -> None:
        """
        :param name: the name given to the owning :class:`LifecycleConfig` (or the physical name).
        :param app_type: the app type it was created for.
        :param physical: the physical name.
        """
        super().__init__(scope, construct_id)
        self.logical_name = name
        self.app_type = app_type
        self.name = physical
        self.arn = cdk.Stack.of(self).format_arn(
            service="sagemaker", resource="studio-lifecycle-config", resource_name=physical
        )


AnyLifecycleConfig = LifecycleConfig | ImportedLifecycleConfig

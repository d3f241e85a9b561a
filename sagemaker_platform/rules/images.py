"""Custom image rules shared by the config model and :class:`~sagemaker_platform.constructs.image.CustomImage`
(CDK-free): the image URI, the image's name, and what Studio requires of an image per app type (the guide's BYOI
rules: UID 1000 / GID 100, port 8888 and base URL ``<app>/default`` for JupyterLab and Code Editor; 1000/100 or
0/0 for Studio Classic images)."""

from __future__ import annotations

import re
from typing import Any

from sagemaker_platform.rules.core import RuleError

# A private ECR image: <account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:<tag>|@sha256:<digest>].
ECR_IMAGE_URI = re.compile(
    r"^(?P<account>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z]{2}(-[a-z]+)+-[0-9])\.amazonaws\.com(\.cn)?/"
    r"(?P<repository>(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})|@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
# The same, without Python's group names, for the config's JSON Schema (whose regex dialect lacks them).
ECR_IMAGE_URI_PATTERN = re.sub(r"\(\?P<\w+>", "(", ECR_IMAGE_URI.pattern)
# Lower case (the ARN patterns of DefaultResourceSpec), no dots (AppImageConfigName), room for the name's digest.
IMAGE_NAME = re.compile(r"^[a-z0-9](-?[a-z0-9]){0,39}$")
# DefaultResourceSpec's patterns: image names in these ARNs are lower case.
IMAGE_ARN = re.compile(r"^arn:aws(-[a-z]+)*:sagemaker:[a-z0-9-]+:[0-9]{12}:image/[a-z0-9]([-.]?[a-z0-9])*$")
IMAGE_VERSION_ARN = re.compile(
    r"^arn:aws(-[a-z]+)*:sagemaker:[a-z0-9-]+:[0-9]{12}:image-version/[a-z0-9]([-.]?[a-z0-9])*/[0-9]+$"
)
# A SageMaker Distribution version as the portal hides it (major.minor), and how many it may hide.
VERSION_ALIAS = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
MAX_HIDDEN_ALIASES = 20
CUSTOM_IMAGE_APP_TYPES: tuple[str, ...] = ("JupyterLab", "CodeEditor", "KernelGateway")
# Per app type: the allowed (uid, gid) pairs (the first is the default), the port and the base URL (None: none).
APP_CONTRACT: dict[str, dict[str, Any]] = {
    "JupyterLab": {"ids": ((1000, 100),), "port": 8888, "base_url": "jupyterlab/default"},
    "CodeEditor": {"ids": ((1000, 100),), "port": 8888, "base_url": "codeeditor/default"},
    "KernelGateway": {"ids": ((1000, 100), (0, 0)), "port": None, "base_url": None},
}


def check_image_contract(
    app_type: str, *, uid: int | None, gid: int | None, port: int | None, base_url: str | None
) -> tuple[int, int]:
    """The image's (uid, gid) with the defaults filled in; a :class:`RuleError` names what Studio would refuse."""
    if app_type not in APP_CONTRACT:
        raise RuleError("app_type", f"must be one of {', '.join(CUSTOM_IMAGE_APP_TYPES)}", app_type)
    contract = APP_CONTRACT[app_type]
    allowed: tuple[tuple[int, int], ...] = contract["ids"]
    ids = (allowed[0][0] if uid is None else uid, allowed[0][1] if gid is None else gid)
    if ids not in allowed:
        pairs = " or ".join(f"{u}/{g}" for u, g in allowed)
        raise RuleError("uid/gid", f"{app_type} images run as UID/GID {pairs}", f"{ids[0]}/{ids[1]}")
    if contract["port"] is None:
        if port is not None or base_url is not None:
            raise RuleError("port", "Studio Classic (KernelGateway) images take no port or base URL",
                            port if port is not None else base_url)
        return ids
    if port is not None and port != contract["port"]:
        raise RuleError("port", f"{app_type} images serve on port {contract['port']}", port)
    # The guide writes codeeditor/default, the Code Editor page of the developer guide CodeEditor/default.
    if base_url is not None and base_url.strip("/").lower() != contract["base_url"]:
        raise RuleError("base_url", f"{app_type} images serve under {contract['base_url']} (the app is named "
                        "default)", base_url)
    return ids

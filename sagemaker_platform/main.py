"""The app's entry point (``app.py`` calls :func:`main`): load the config, build the stacks, synthesize.

Every failure caused by the input ends the same way: one line on stderr naming the file, the config field and the
value, exit code 2, and no cloud assembly. To guarantee the last part the app synthesizes into a staging folder next
to the output folder the CDK CLI asked for (``CDK_OUTDIR``) and moves the result into place only when synthesis,
including the compliance packs, has succeeded; a failed run leaves the output folder as it was. Output the CDK
prints while synthesizing (validation reports, warnings) is held back and replayed only on success, since on failure
the one line says what matters.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from sagemaker_platform.config import OPTION_FINDINGS, ConfigError, PlatformConfig, load_config

DEFAULT_CONFIG = "config/default.yaml"
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
RESOURCE_LIMIT = 500


@dataclass(frozen=True)
class _Origin:
    """Where a synthesized stack came from: its config file, the config, and which section it is built from."""

    node_path: str
    stack_name: str
    source: str
    config: PlatformConfig
    section: str


def main(
    config_path: str | None = None,
    *,
    outdir: str | os.PathLike[str] | None = None,
    context: dict[str, Any] | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Synthesize the config into ``outdir`` (default: the CLI's ``CDK_OUTDIR``); return the exit code.

    ``config_path`` defaults to the ``config`` context value (``cdk synth -c config=<file>``), then
    ``config/default.yaml``. ``context`` is the app's context when run in-process (the CLI passes it through the
    environment). Failures print one line to ``stderr`` (default: the process's).
    """
    err = stderr or sys.stderr
    target = outdir or os.environ.get("CDK_OUTDIR")
    final = Path(target) if target else None  # None: like cdk.App, a new temporary folder (the staging one)
    if final is not None:
        final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(
        prefix=f".{final.name}.staging-" if final else "cdk.out.", dir=final.parent if final else None
    ))
    published = False
    source = config_path or DEFAULT_CONFIG
    origins: list[_Origin] = []
    try:
        with _held_output() as held:
            try:
                known = context if context is not None else _cli_context()
                source = config_path or _config_from_context(known.get("config"))
                config = load_config(source)  # before jsii starts: a bad file fails in a fraction of a second

                import aws_cdk as cdk

                app = cdk.App(outdir=str(staging), context=context)  # None: the CLI's context, from the environment
                platform = build_app(app, config)
                origins = _origins(source, config, platform)
                app.synth()
            except ConfigError as exc:
                exc.source = exc.source or source
                return _fail(err, f"config error: {exc}", EXIT_BAD_INPUT)
            except ImportError as exc:  # an installation problem (compliance.ComplianceUnavailable), not bad input
                return _fail(err, f"error: {exc}", EXIT_INTERNAL)
            except RuntimeError as exc:  # an error thrown inside the CDK, through jsii
                return _fail(err, f"config error: {_synth_error(exc, staging, source, origins)}", EXIT_BAD_INPUT)
            except Exception as exc:  # a bug, not bad input: still one line, but exit 1
                line = " ".join(f"{type(exc).__name__}: {exc}".split())
                return _fail(err, f"internal error while synthesizing {source}: {line}", EXIT_INTERNAL)
        try:
            if final is not None:
                _publish(staging, final)
        except OSError as exc:
            return _fail(err, f"error: cannot write the cloud assembly to {final}: {exc.strerror}", EXIT_INTERNAL)
        published = True
        held.replay()
        return 0
    finally:
        if final is not None or not published:
            shutil.rmtree(staging, ignore_errors=True)


def build_app(app: Any, config: PlatformConfig, *, compliance: bool = True) -> Any:
    """Build what ``config`` describes into ``app``: the delivery pipeline (``pipeline.enabled``; each environment
    is built in its stage) or the platform's stacks; then attach the compliance packs. This is the one place that
    chooses, so the platform and the pipeline modules never import each other. Returns the built ``Platform``."""
    if config.pipeline.enabled:
        from sagemaker_platform.stacks.pipeline import build_pipeline

        return build_pipeline(app, config, compliance=compliance)
    from sagemaker_platform.stacks.platform import build_platform

    return build_platform(app, config, compliance=compliance)


def _cli_context() -> dict[str, Any]:
    """The context the CDK CLI hands the app (``CDK_CONTEXT_JSON``, and a file when it is large), read the way
    ``cdk.App`` reads it but without starting jsii."""
    merged: dict[str, Any] = {}
    try:
        merged.update(json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}"))
        overflow = os.environ.get("CONTEXT_OVERFLOW_LOCATION_ENV")
        if overflow:
            merged.update(json.loads(Path(overflow).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass  # cdk.App reports a broken context itself
    return merged


def _config_from_context(value: Any) -> str:
    if value is None:
        return DEFAULT_CONFIG
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("", "the config context value must be a file path (-c config=<file>)", value)
    return value


def _fail(err: TextIO, line: str, code: int) -> int:
    print(" ".join(line.split()), file=err)
    return code


# ------------------------------------------------------------------------------------------------ output
class _Held:
    """stdout and stderr while synthesizing: jsii forwards the CDK's console output to ``sys.stdout.buffer`` and
    ``sys.stderr.buffer`` from a reader thread, so both are swapped for in-memory streams."""

    def __init__(self) -> None:
        self.out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)
        self.err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="replace", write_through=True)

    def replay(self) -> None:
        for held, real in ((self.out, sys.stdout), (self.err, sys.stderr)):
            data = held.buffer.getvalue()
            if data:
                real.write(data.decode("utf-8", errors="replace"))
                real.flush()


@contextmanager
def _held_output() -> Iterator[_Held]:
    held = _Held()
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = held.out, held.err
    try:
        yield held
    finally:
        time.sleep(0.05)  # let the jsii reader thread hand over what the CDK printed last
        sys.stdout, sys.stderr = saved


def _publish(staging: Path, final: Path) -> None:
    """Move a complete assembly into ``final``, the manifest last (a reader sees the old one or the new one)."""
    final.mkdir(parents=True, exist_ok=True)
    for entry in sorted(staging.iterdir(), key=lambda p: p.name == "manifest.json"):
        target = final / entry.name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        os.replace(entry, target)


# ------------------------------------------------------------------------------------------------ errors
def _origins(source: str, config: PlatformConfig, platform: Any) -> list[_Origin]:
    """Every stack built, with the file and config it came from (a pipeline's stages come from their own files)."""
    origins: list[_Origin] = []

    def add(built: Any, file: str, cfg: PlatformConfig) -> None:
        sections = [(built.network, "network"), (built.studio, "domain"), (built.hosting, "endpoints"),
                    (built.governance, "governance")] + [(users, "users") for users in built.users]
        for stack, section in sections:
            if stack is not None:
                origins.append(_Origin(stack.node.path, stack.stack_name, file, cfg, section))

    if platform.pipeline is not None:
        pipeline = platform.pipeline
        origins.append(_Origin(pipeline.node.path, pipeline.stack_name, source, config, "pipeline"))
        files = {env.name: str(config.source_dir / env.config) for env in config.pipeline.environments}
        for name, stage in pipeline.stages.items():
            add(stage.platform, files[name], stage.config)
    else:
        add(platform, source, config)
    return origins


def _origin_of(
    origins: list[_Origin], *, node_path: str | None = None, stack_name: str | None = None
) -> _Origin | None:
    if stack_name is not None:
        return next((o for o in origins if o.stack_name == stack_name), None)
    matches = [o for o in origins if node_path == o.node_path or (node_path or "").startswith(o.node_path + "/")]
    return max(matches, key=lambda o: len(o.node_path), default=None)


def _synth_error(exc: RuntimeError, staging: Path, source: str, origins: list[_Origin]) -> ConfigError:
    """Turn an error the CDK threw during synthesis into one ConfigError naming the config field."""
    message = " ".join(str(exc).split())
    if message.startswith("ValidationFailed"):
        found = _compliance_error(staging, origins)
        if found is not None:
            return found
    budget = re.match(r"TooManyResourcesInStack: Number of resources in stack '([^']+)': (\d+) .*?: (.*)$", message)
    if budget:
        return _budget_error(budget.group(1), int(budget.group(2)), budget.group(3), source, origins)
    return ConfigError("", f"synthesis failed: {message.removeprefix('ValidationError: ')}", None, source)


def _compliance_error(staging: Path, origins: list[_Origin]) -> ConfigError | None:
    """The first unacknowledged finding of the compliance packs, on the config field that produced it."""
    try:
        report = json.loads((staging / "validation-report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    findings = [
        (violation, construct)
        for plugin in report.get("pluginReports", [])
        if plugin.get("conclusion") != "success"
        for violation in plugin.get("violations", [])
        for construct in violation.get("violatingConstructs", [])
    ]
    if not findings:
        return None
    violation, construct = findings[0]
    rule, where = violation.get("ruleName", "?"), construct.get("constructPath", "?")
    origin = _origin_of(origins, node_path=where)
    field, value = (origin.section if origin else "compliance.accept"), None
    for path, rule_id, _, shown in OPTION_FINDINGS:  # an option our own rules flag: name it and its value
        if rule_id == rule:
            field, value = path, (shown(origin.config) if origin else None)
    more = f" (and {len(findings) - 1} more findings)" if len(findings) > 1 else ""
    return ConfigError(
        field,
        f"compliance rule {rule} fails on {where}: {violation.get('description', '')}{more}; change the config or "
        f"accept the finding: compliance.accept: [{{rule: {rule}, reason: <why>}}]",
        value,
        origin.source if origin else None,
    )


# What makes a stack grow, by resource type: the config field to shrink (or, for users, to spread).
_BUDGET_FIELDS: dict[str, str] = {
    "AWS::SageMaker::Space": "spaces",
    "AWS::SageMaker::UserProfile": "platform.user_stacks",
    "AWS::EC2::VPCEndpoint": "network.extra_interface_endpoints",
    "AWS::SageMaker::StudioLifecycleConfig": "domain.lifecycle_configs",
    "AWS::SageMaker::Endpoint": "endpoints",
    "AWS::SageMaker::Model": "endpoints",
    "AWS::SageMaker::EndpointConfig": "endpoints",
    "AWS::CloudWatch::Alarm": "endpoints",
    "AWS::SageMaker::ModelPackageGroup": "governance.model_package_groups",
    "AWS::SageMaker::ModelCard": "governance.model_cards",
}


def _budget_error(stack: str, total: int, counts_text: str, source: str, origins: list[_Origin]) -> ConfigError:
    counts = {kind: int(n) for kind, n in re.findall(r"([\w:]+) \((\d+)\)", counts_text)}
    origin = _origin_of(origins, stack_name=stack)
    known = [(n, kind) for kind, n in counts.items() if kind in _BUDGET_FIELDS]
    n, kind = max(known, default=(0, ""))
    field = _BUDGET_FIELDS.get(kind, origin.section if origin else "")
    if origin is not None and origin.section == "users":
        field = "platform.user_stacks"  # private spaces and profiles: spread them over more stacks
    value: Any = None
    if origin is not None:
        value = _field_value(origin.config, field)
    what = f", {n} of them {kind}" if kind else ""
    return ConfigError(
        field,
        f"stack {stack} would hold {total} resources{what}: CloudFormation allows {RESOURCE_LIMIT} per stack",
        value,
        origin.source if origin else source,
    )


def _field_value(config: PlatformConfig, field: str) -> Any:
    """The value at a dotted config path; a list by its length."""
    value: Any = config
    for part in field.split("."):
        value = getattr(value, part, None)
    return len(value) if isinstance(value, list) else value

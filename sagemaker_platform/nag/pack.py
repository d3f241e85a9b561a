"""``SageMakerPlatformChecks``: the rules of :mod:`sagemaker_platform.nag.rules` as a CDK policy-validation plugin.

CDK calls ``validate`` once per synthesis with the paths of the synthesized templates; the plugin reads each
template once, evaluates the rules in Python and returns its findings as ``SageMakerPlatform-<suffix>``. Rules
see a resource's properties exactly as CloudFormation will (escape-hatch overrides included). Nothing calls back
into the construct tree per resource, which is what makes the pack cheap on a thousand user profiles.

Findings name the resource by logical id and template path; CDK maps them to construct paths for the report.
Acknowledgements, as for the cdk-nag packs, go through ``cdk.Validations.of(construct).acknowledge(...)``:

- ``SageMakerPlatform-SM2`` (the form cdk-nag packs use): silences the finding on that construct and everything
  under it. The plugin applies it itself, from the acknowledgements CDK records in the stack's metadata file,
  and the finding leaves the report, as with cdk-nag.
- ``SageMakerPlatform::SageMakerPlatform-SM2`` (plugin-qualified): CDK applies it to the report and lists the
  finding as suppressed, with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
import jsii
from constructs import IConstruct

from sagemaker_platform.nag.templates import (
    ACKNOWLEDGED_RULES,
    PACK_NAME,
    UNNAMESPACED,
    AssemblyMetadata,
    Finding,
    check_template,
    read_json,
    rule_id,
)

__all__ = ["PACK_NAME", "SageMakerPlatformChecks", "rule_id"]

NESTED_TEMPLATE_SUFFIX = ".nested.template.json"


@jsii.implements(cdk.IPolicyValidationPlugin)
class SageMakerPlatformChecks:
    """SageMaker rules no published pack has: Studio domain, profiles, spaces, endpoint configs, roles.

    Add it next to the other packs: ``cdk.Validations.of(app).add_plugins(SageMakerPlatformChecks(app))``.

    :param scope: accepted for the cdk-nag pack signature; the plugin reads templates, not the tree.
    :param verbose: descriptions carry the rule's explanation after its one-line message.
    """

    def __init__(self, scope: IConstruct | None = None, *, verbose: bool | None = None) -> None:
        del scope
        self._verbose = bool(verbose)

    @property
    def name(self) -> str:
        return PACK_NAME

    # ``version`` and ``rule_ids`` are optional and only feed CDK's analytics string, which every template
    # embeds (``AWS::CDK::Metadata``): left unset, as cdk-nag packs leave them, so templates do not change with
    # the package version.
    @property
    def version(self) -> str | None:
        return None

    @property
    def rule_ids(self) -> list[str] | None:
        return None

    def validate(self, context: cdk.IPolicyValidationContext) -> cdk.PolicyValidationPluginReport:
        """Check every template CDK hands over (plus the nested-stack templates next to them)."""
        stacks = [(s.template_path, s.stack_construct_path) for s in context.stack_templates]
        return self.validate_templates(stacks, context.app_construct)

    def validate_templates(
        self, stacks: Sequence[tuple[str, str]], app: IConstruct | None = None
    ) -> cdk.PolicyValidationPluginReport:
        """The report for (template path, stack construct path) pairs; ``app`` resolves acknowledgements made
        above the stacks (on the app or a stage), which their metadata files do not hold."""
        above = _AncestorAcknowledgements(app)
        assemblies: dict[str, AssemblyMetadata] = {}
        by_rule: dict[str, cdk.PolicyViolation] = {}
        for template_path, stack_path, findings in self._findings(stacks):
            directory, template_file = os.path.split(template_path)
            metadata = assemblies.setdefault(directory, AssemblyMetadata(directory))
            for finding in findings:
                path = metadata.path_of(template_file, finding.logical_id)
                if path is not None and metadata.acknowledged(path, finding.rule_id):
                    continue
                if above.acknowledged(stack_path, finding.rule_id):
                    continue
                self._add(by_rule, finding, template_path)
        violations = list(by_rule.values())
        return cdk.PolicyValidationPluginReport(success=not violations, violations=violations)

    # ------------------------------------------------------------------------------------------ internals
    def _findings(self, stacks: Sequence[tuple[str, str]]) -> list[tuple[str, str, list[Finding]]]:
        found = []
        seen: set[str] = set()
        for template_path, stack_path in stacks:
            paths = [template_path, *_nested_templates(os.path.dirname(template_path), seen)]
            for path in paths:
                if path in seen:
                    continue
                seen.add(path)
                findings = check_template(read_json(path))
                if findings:
                    found.append((path, stack_path, findings))
        return found

    def _add(self, by_rule: dict[str, cdk.PolicyViolation], finding: Finding, template_path: str) -> None:
        resource = cdk.PolicyViolatingResource(
            locations=["Properties"], resource_logical_id=finding.logical_id, template_path=template_path
        )
        existing = by_rule.get(finding.rule_id)
        if existing is not None:
            by_rule[finding.rule_id] = cdk.PolicyViolation(
                rule_name=existing.rule_name,
                description=existing.description,
                severity=existing.severity,
                violating_resources=[*existing.violating_resources, resource],
            )
            return
        by_rule[finding.rule_id] = cdk.PolicyViolation(
            rule_name=finding.rule_id,
            description=self._description(finding),
            severity="error",
            violating_resources=[resource],
        )

    def _description(self, finding: Finding) -> str:
        if finding.error is not None:
            detail = finding.error if self._verbose else (
                "This is generally caused by a parameter referencing an intrinsic function."
            )
            return f"Rule threw an error during validation. {detail}"
        rule = finding.rule
        return f"{rule.info} {rule.explanation}" if self._verbose else rule.info


def _nested_templates(directory: str, seen: set[str]) -> list[str]:
    """Nested stacks' templates are file assets next to their parent's, not stacks CDK hands to plugins."""
    marker = os.path.join(directory, "")
    if marker in seen:
        return []
    seen.add(marker)
    try:
        names = sorted(n for n in os.listdir(directory) if n.endswith(NESTED_TEMPLATE_SUFFIX))
    except OSError:
        return []
    return [os.path.join(directory, n) for n in names]


class _AncestorAcknowledgements:
    """Acknowledgements on the app and the stages above a stack, read from the tree on first need."""

    def __init__(self, app: IConstruct | None) -> None:
        self._app = app
        self._by_path: dict[str, set[str]] = {}

    def acknowledged(self, stack_path: str, rule: str) -> bool:
        if self._app is None:
            return False
        parts = stack_path.split("/")[:-1]
        for depth in range(len(parts) + 1):
            path = "/".join(parts[:depth])
            if rule in self._rules(path):
                return True
        return False

    def _rules(self, path: str) -> set[str]:
        if path not in self._by_path:
            node: Any = self._app
            for part in path.split("/") if path else []:
                node = node.node.try_find_child(part) if node is not None else None
            rules: set[str] = set()
            for entry in node.node.metadata if node is not None else []:
                if entry.type == ACKNOWLEDGED_RULES and isinstance(entry.data, dict):
                    rules.update(UNNAMESPACED.sub("", key) for key in entry.data)
            self._by_path[path] = rules
        return self._by_path[path]

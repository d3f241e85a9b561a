"""``SageMakerPlatformChecks``: the rules of :mod:`sagemaker_platform.nag.rules` as a cdk-nag 3.x pack.

A cdk-nag 3.x pack is a CDK policy-validation plugin: ``NagPack`` walks the construct tree after synthesis and
calls ``checkResource`` for every ``CfnResource``; the pack calls ``applyRule`` with an ``IApplyRule``
object whose ``rule`` callback returns a ``NagRuleCompliance``. Findings are reported as
``SageMakerPlatform-<suffix>`` and are acknowledged with ``cdk.Validations.of(construct).acknowledge(...)``
like any other pack's.

Rules read a resource's properties from the synthesized template, exactly as CloudFormation will see them
(escape-hatch overrides included); when the template is not on disk (``validate_scope`` before synthesis) they
read the L1 construct's rendered properties instead.
"""

from __future__ import annotations

import json
import os
from typing import Any, cast

import aws_cdk as cdk
import jsii
from cdk_nag import IApplyRule, NagMessageLevel, NagPack, NagRuleCompliance
from constructs import IConstruct

from sagemaker_platform.nag.rules import RULE_TYPES, RULES, Result, Rule

PACK_NAME = "SageMakerPlatform"

_COMPLIANCE = {
    Result.COMPLIANT: NagRuleCompliance.COMPLIANT,
    Result.NON_COMPLIANT: NagRuleCompliance.NON_COMPLIANT,
    Result.NOT_APPLICABLE: NagRuleCompliance.NOT_APPLICABLE,
}


def rule_id(suffix: str) -> str:
    """The id a finding is reported (and acknowledged) under, e.g. ``SageMakerPlatform-SM1``."""
    return f"{PACK_NAME}-{suffix}"


@jsii.implements(IApplyRule)
class _AppliedRule:
    """One rule applied to one resource; cdk-nag reads these members through jsii."""

    def __init__(self, rule: Rule, node: cdk.CfnResource, result: Result) -> None:
        self._rule = rule
        self._node = node
        self._result = result

    @property
    def rule_suffix_override(self) -> str:
        return self._rule.suffix

    @property
    def info(self) -> str:
        return self._rule.info

    @property
    def explanation(self) -> str:
        return self._rule.explanation

    @property
    def level(self) -> NagMessageLevel:
        return NagMessageLevel.ERROR

    @property
    def node(self) -> cdk.CfnResource:
        return self._node

    def rule(self, node: cdk.CfnResource) -> NagRuleCompliance:
        return _COMPLIANCE[self._result]


class SageMakerPlatformChecks(NagPack):
    """SageMaker rules no published pack has: Studio domain, profiles, spaces, endpoint configs, roles.

    Add it next to the other packs: ``cdk.Validations.of(app).add_plugins(SageMakerPlatformChecks(app))``.
    """

    def __init__(self, scope: IConstruct | None = None, *, verbose: bool | None = None) -> None:
        super().__init__(scope, verbose=verbose)
        self._pack_name = PACK_NAME
        self._templates: dict[str, tuple[int, dict[str, Any]]] = {}

    @property
    def name(self) -> str:
        return PACK_NAME

    def _check_resource(self, node: cdk.CfnResource) -> None:
        resource_type = node.cfn_resource_type
        if resource_type not in RULE_TYPES:
            return
        props = self._properties(node)
        for rule in RULES:
            if resource_type not in rule.resource_types:
                continue
            result = rule.check(resource_type, props)
            if result is not Result.NOT_APPLICABLE:
                self._apply_rule(cast(IApplyRule, _AppliedRule(rule, node, result)))

    # ------------------------------------------------------------------------------------------ properties
    def _properties(self, node: cdk.CfnResource) -> dict[str, Any]:
        stack = cdk.Stack.of(node)
        logical_id = stack.resolve(node.logical_id)
        template = self._template(stack)
        resource = (template.get("Resources") or {}).get(logical_id) if template else None
        if isinstance(resource, dict) and resource.get("Type") == node.cfn_resource_type:
            props = resource.get("Properties") or {}
            return props if isinstance(props, dict) else {}
        rendered = stack.resolve(node._render_properties(node._cfn_properties))
        return rendered if isinstance(rendered, dict) else {}

    def _template(self, stack: cdk.Stack) -> dict[str, Any] | None:
        """The stack's synthesized template, read once per file version."""
        stage = cdk.Stage.of(stack)
        try:
            path = os.path.join(stage.outdir, stack.template_file) if stage is not None else None
        except (RuntimeError, TypeError, jsii.errors.JSIIError):
            return None
        if not path or not os.path.isfile(path):
            return None
        stamp = os.stat(path).st_mtime_ns
        cached = self._templates.get(path)
        if cached is None or cached[0] != stamp:
            try:
                with open(path, encoding="utf-8") as handle:
                    cached = (stamp, json.load(handle))
            except (OSError, ValueError):
                return None
            self._templates[path] = cached
        return cached[1]

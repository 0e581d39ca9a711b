"""Load a SAM template and translate it to CloudFormation offline, keeping local artifact paths.

samtranslator only accepts S3 URIs for CodeUri / ContentUri / DefinitionUri. Before translation each
local path is swapped for a placeholder `s3://<ARTIFACT_BUCKET>/<n>`; `Artifacts` maps the placeholder
key back to the absolute local path, which the deployer reads from the translated
`Code` / `Content` / `DefinitionS3Location` properties.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ARTIFACT_BUCKET = "lockgate-local-artifacts"

# (resource type, property holding a local path)
_ARTIFACT_PROPERTIES: tuple[tuple[str, str], ...] = (
    ("AWS::Serverless::Function", "CodeUri"),
    ("AWS::Serverless::LayerVersion", "ContentUri"),
    ("AWS::Serverless::StateMachine", "DefinitionUri"),
    ("AWS::Serverless::Api", "DefinitionUri"),
    ("AWS::Serverless::HttpApi", "DefinitionUri"),
    ("AWS::Lambda::Function", "Code"),
    ("AWS::Lambda::LayerVersion", "Content"),
    ("AWS::StepFunctions::StateMachine", "DefinitionS3Location"),
)
_GLOBAL_ARTIFACTS: tuple[tuple[str, str], ...] = (("Function", "CodeUri"), ("Api", "DefinitionUri"))


class _CfnLoader(yaml.SafeLoader):
    """A SafeLoader that understands the CloudFormation short-form tags (!Ref, !Sub, ...)."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(path: Path) -> dict[str, Any]:
    """Parse a JSON or YAML CloudFormation/SAM template (short-form tags included)."""
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader)


@dataclass
class Artifacts:
    """Placeholder S3 keys -> absolute local paths, for CodeUri / ContentUri / DefinitionUri."""

    base_dir: Path
    paths: dict[str, Path] = field(default_factory=dict)

    def placeholder(self, local: str) -> dict[str, str]:
        key = f"artifact-{len(self.paths)}"
        self.paths[key] = (self.base_dir / local).resolve()
        return {"Bucket": ARTIFACT_BUCKET, "Key": key}

    def local_path(self, location: Any) -> Path | None:
        """The local path behind a translated S3 location ({S3Bucket,S3Key} or {Bucket,Key})."""
        if not isinstance(location, dict):
            return None
        bucket = location.get("S3Bucket", location.get("Bucket"))
        key = location.get("S3Key", location.get("Key"))
        if bucket != ARTIFACT_BUCKET or not isinstance(key, str):
            return None
        return self.paths.get(key)


def _is_local(value: Any) -> bool:
    return isinstance(value, str) and not value.startswith("s3://") and "://" not in value


def _swap(props: dict[str, Any], prop: str, resource_type: str, artifacts: Artifacts) -> None:
    value = props.get(prop)
    if not _is_local(value):
        return
    location = artifacts.placeholder(value)
    if resource_type.startswith("AWS::Serverless::"):
        props[prop] = f"s3://{location['Bucket']}/{location['Key']}"
    elif resource_type == "AWS::StepFunctions::StateMachine":
        props[prop] = location
    else:
        props[prop] = {"S3Bucket": location["Bucket"], "S3Key": location["Key"]}


def localize_artifacts(template: dict[str, Any], base_dir: Path) -> tuple[dict[str, Any], Artifacts]:
    """A copy of `template` with local artifact paths swapped for placeholder S3 locations."""
    template = copy.deepcopy(template)
    artifacts = Artifacts(base_dir)
    for section, prop in _GLOBAL_ARTIFACTS:
        props = template.get("Globals", {}).get(section)
        if isinstance(props, dict):
            _swap(props, prop, f"AWS::Serverless::{section}", artifacts)
    for resource in template.get("Resources", {}).values():
        props = resource.get("Properties")
        if not isinstance(props, dict):
            continue
        for resource_type, prop in _ARTIFACT_PROPERTIES:
            if resource.get("Type") == resource_type:
                _swap(props, prop, resource_type, artifacts)
    return template, artifacts


def translate(template: dict[str, Any], parameter_values: dict[str, Any]) -> dict[str, Any]:
    """SAM -> CloudFormation, offline. Plain CloudFormation templates are returned unchanged."""
    transforms = template.get("Transform", [])
    if isinstance(transforms, str):
        transforms = [transforms]
    if not any(str(t).startswith("AWS::Serverless") for t in transforms):
        return template
    # Here, not at the top: `lockgate invoke --endpoint-url` reads the template and translates nothing.
    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import (
        to_py27_compatible_template,
        undo_mark_unicode_str_in_template,
    )

    template, parameter_values = copy.deepcopy(template), dict(parameter_values)
    region = parameter_values["AWS::Region"]
    to_py27_compatible_template(template, parameter_values)
    # An explicit session answers the region question; an empty policy map means no IAM calls
    # (samtranslator's bundled map covers AWS managed policies, other names stay as written).
    translator = Translator({}, Parser(), boto_session=boto3.session.Session(region_name=region))
    translated = translator.translate(
        template, parameter_values=parameter_values, get_managed_policy_map=dict
    )
    return undo_mark_unicode_str_in_template(translated)

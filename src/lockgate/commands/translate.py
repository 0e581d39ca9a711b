"""`lockgate translate`: the CloudFormation that SAM makes of template.yaml, offline (no AWS
call), as JSON; what the local deployer creates and what checkov scans in `make checkov`."""

from __future__ import annotations

import argparse
import json

from lockgate.local.deployer.template import load_template, localize_artifacts, translate

PSEUDO = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::StackName": "lockgate",
}


def run_translate(args: argparse.Namespace) -> int:
    """Print the translated template (local CodeUri paths shown as placeholder S3 locations)."""
    localized, _ = localize_artifacts(load_template(args.template), args.template.parent)
    print(json.dumps(translate(localized, PSEUDO), indent=2, sort_keys=True))
    return 0

"""The offline deployer: template.yaml translated by SAM and deployed into moto (`deploy`), resource
by resource (`compute`, `data`), with CloudFormation intrinsics resolved (`intrinsics`,
`context`); `model` is what it hands to the rest of the local cloud."""

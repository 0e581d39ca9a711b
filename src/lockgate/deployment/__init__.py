"""Deployment domain: which package to deploy, guardrails, smoke-test comparison, approval text.
Pure Python (no boto3): the deploy functions call it between their adapters."""

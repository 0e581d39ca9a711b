"""One typed adapter module per AWS service: the only code in the library that imports boto3.

Every adapter takes an optional client so tests can inject a fake; the default client honours
AWS_ENDPOINT_URL like any boto3 program, which is how handlers reach the offline cloud.
"""

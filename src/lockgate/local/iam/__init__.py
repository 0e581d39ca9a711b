"""IAM enforced offline: each function's calls are checked against its own role (`patches`) by an
identity-policy evaluator (`policy`)."""

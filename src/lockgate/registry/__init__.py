"""Model registry domain: the evaluation gate and auto-approval policy (gates.py), and the
CreateModelPackage request the register step sends (package.py). Pure: no boto3."""

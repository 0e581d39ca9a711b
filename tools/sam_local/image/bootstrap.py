"""/var/runtime/bootstrap.py: put the function and its layers on sys.path, then run awslambdaric.

The order is the python3.13 runtime's: the function code (LAMBDA_TASK_ROOT), the layers'
/opt/python/lib/python3.13/site-packages and /opt/python, then the runtime (/var/runtime, with
awslambdaric) and /var/lang's site-packages (boto3, as the Lambda runtime ships it)."""

import os
import sys

task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
layers = ["/opt/python/lib/python3.13/site-packages", "/opt/python"]
sys.path[:0] = [task_root, *layers]

from awslambdaric.__main__ import main  # noqa: E402

main([sys.argv[0], sys.argv[1] if len(sys.argv) > 1 else ""])

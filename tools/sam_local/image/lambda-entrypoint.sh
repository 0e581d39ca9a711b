#!/bin/sh
# The entrypoint of the AWS Lambda base images: `docker run <image> app.lambda_handler` starts the
# Runtime Interface Emulator around the runtime; inside Lambda (AWS_LAMBDA_RUNTIME_API set) the
# runtime starts alone. SAM CLI bypasses this file: it runs /var/rapid/aws-lambda-rie, which
# starts /var/runtime/bootstrap.
if [ $# -ne 1 ]; then
  echo "entrypoint requires the handler name to be the first argument" 1>&2
  exit 142
fi
export _HANDLER="$1"
if [ -z "${AWS_LAMBDA_RUNTIME_API}" ]; then
  exec /usr/local/bin/aws-lambda-rie /var/runtime/bootstrap
fi
exec /var/runtime/bootstrap

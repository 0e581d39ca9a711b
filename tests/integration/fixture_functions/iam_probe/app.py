"""A function that publishes to a topic: allowed or denied by its role, as the test sets it up."""

import boto3


def handler(event, context):
    boto3.client("sns").publish(TopicArn=event["topic"], Message="probe")
    return {"published": True}


def echo(event, context):
    return event


def big(event, context):
    return {"blob": "x" * (300 * 1024)}  # over Step Functions' 256 KiB state limit

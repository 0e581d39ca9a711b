"""Creators for storage, messaging, security and configuration resources.

Each creator takes the context, the logical id and the resolved properties, creates the resource
against the local endpoint, and returns (physical id = what Ref gives, attributes for GetAtt).
"""

from __future__ import annotations

import json
from typing import Any

from lockgate.local.deployer.context import Context, pick, tag_list

Created = tuple[str, dict[str, Any]]


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _iam_json(document: Any) -> str:
    """An IAM policy document; moto rejects one without Version (SAM policy templates omit it)."""
    if isinstance(document, dict) and "Version" not in document:
        document = {"Version": "2012-10-17", **document}
    return _json(document)


# --- S3 -------------------------------------------------------------------------------------------
def _s3_filter(cfn: dict[str, Any]) -> dict[str, Any]:
    rules = cfn.get("S3Key", {}).get("Rules", [])
    return {"Key": {"FilterRules": [{"Name": r["Name"], "Value": r["Value"]} for r in rules]}}


def _notifications(ctx: Context, logical_id: str, cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation NotificationConfiguration -> the S3 API's shape (Lambda targets cannot run offline)."""
    out: dict[str, Any] = {}
    if cfn.get("EventBridgeConfiguration", {}).get("EventBridgeEnabled") in (True, "true", "True"):
        out["EventBridgeConfiguration"] = {}
    for cfn_key, api_key, arn_key, target in (
        ("QueueConfigurations", "QueueConfigurations", "QueueArn", "Queue"),
        ("TopicConfigurations", "TopicConfigurations", "TopicArn", "Topic"),
    ):
        configs = []
        for c in cfn.get(cfn_key, []):
            item: dict[str, Any] = {arn_key: c[target], "Events": [c["Event"]]}
            if "Filter" in c:
                item["Filter"] = _s3_filter(c["Filter"])
            configs.append(item)
        if configs:
            out[api_key] = configs
    if cfn.get("LambdaConfigurations"):
        ctx.warn(
            f"{logical_id} (AWS::S3::Bucket): LambdaConfigurations ignored offline "
            "(use EventBridge notifications instead)"
        )
    return out


def s3_bucket(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("BucketName") or ctx.name(logical_id, 63, lower=True)
    s3 = ctx.client("s3")
    kwargs: dict[str, Any] = {"Bucket": name}
    if ctx.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": ctx.region}
    s3.create_bucket(**kwargs)
    if "VersioningConfiguration" in p:
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration=pick(p["VersioningConfiguration"], "Status")
        )
    if "BucketEncryption" in p:
        rules = [
            {
                "ApplyServerSideEncryptionByDefault": r.get("ServerSideEncryptionByDefault", {}),
                **pick(r, "BucketKeyEnabled"),
            }
            for r in p["BucketEncryption"].get("ServerSideEncryptionConfiguration", [])
        ]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if "PublicAccessBlockConfiguration" in p:
        s3.put_public_access_block(
            Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"]
        )
    if "OwnershipControls" in p:
        s3.put_bucket_ownership_controls(Bucket=name, OwnershipControls=p["OwnershipControls"])
    if "Tags" in p:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(p["Tags"])})
    notifications = _notifications(ctx, logical_id, p.get("NotificationConfiguration", {}))
    if notifications:
        s3.put_bucket_notification_configuration(Bucket=name, NotificationConfiguration=notifications)
    domain = f"{name}.s3.amazonaws.com"
    return name, {
        "Arn": f"arn:{ctx.partition}:s3:::{name}",
        "DomainName": domain,
        "DualStackDomainName": f"{name}.s3.dualstack.{ctx.region}.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{ctx.region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-{ctx.region}.amazonaws.com",
    }


def s3_bucket_policy(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    """Bucket policy minus statements with a Condition: moto treats an unmet Condition as an explicit
    deny whatever the Effect (moto/iam/access_control.py:493, IAMPolicyStatement.is_action_permitted),
    so the usual DenyInsecureTransport statement would refuse every request over http."""
    document = p["PolicyDocument"]
    if isinstance(document, str):
        document = json.loads(document)
    statements = document.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    kept = [s for s in statements if "Condition" not in s]
    if len(kept) < len(statements):
        dropped = ", ".join(str(s.get("Sid", "?")) for s in statements if "Condition" in s)
        ctx.warn(
            f"{logical_id} (AWS::S3::BucketPolicy): Condition statements not applied offline ({dropped})"
        )
    if kept:
        policy = json.dumps({**document, "Statement": kept})
        ctx.client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=policy)
    return p["Bucket"], {}


# --- DynamoDB -------------------------------------------------------------------------------------
def dynamodb_table(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("TableName") or ctx.name(logical_id, 255)
    kwargs: dict[str, Any] = {
        "TableName": name,
        **pick(p, "KeySchema", "AttributeDefinitions", "GlobalSecondaryIndexes", "LocalSecondaryIndexes"),
        "BillingMode": p.get("BillingMode", "PROVISIONED"),
    }
    if kwargs["BillingMode"] == "PROVISIONED":
        throughput = p.get("ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5})
        kwargs["ProvisionedThroughput"] = {k: int(v) for k, v in throughput.items()}
    if "StreamSpecification" in p:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, **p["StreamSpecification"]}
    if "SSESpecification" in p:
        sse = p["SSESpecification"]
        kwargs["SSESpecification"] = {
            "Enabled": sse.get("SSEEnabled") in (True, "true"),
            **pick(sse, "SSEType"),
        }
        if "KMSMasterKeyId" in sse:
            kwargs["SSESpecification"]["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
    if "Tags" in p:
        kwargs["Tags"] = tag_list(p["Tags"])
    if "DeletionProtectionEnabled" in p:
        kwargs["DeletionProtectionEnabled"] = p["DeletionProtectionEnabled"] in (True, "true")
    ddb = ctx.client("dynamodb")
    table = ddb.create_table(**kwargs)["TableDescription"]
    ttl = p.get("TimeToLiveSpecification")
    if ttl and ttl.get("Enabled") in (True, "true"):
        ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}
        )
    pitr = p.get("PointInTimeRecoverySpecification", {})
    if pitr.get("PointInTimeRecoveryEnabled") in (True, "true"):
        ddb.update_continuous_backups(
            TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
        )
    attributes = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attributes["StreamArn"] = table["LatestStreamArn"]
    return name, attributes


# --- SNS / SQS ------------------------------------------------------------------------------------
_TOPIC_ATTRIBUTES = ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication")


def sns_topic(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    fifo = str(p.get("FifoTopic", "")).lower() == "true"
    name = p.get("TopicName") or ctx.name(logical_id, 251 if fifo else 256) + (".fifo" if fifo else "")
    sns = ctx.client("sns")
    attributes = {
        k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in pick(p, *_TOPIC_ATTRIBUTES).items()
    }
    kwargs: dict[str, Any] = {"Name": name, "Attributes": attributes}
    if "Tags" in p:
        kwargs["Tags"] = tag_list(p["Tags"])
    arn = sns.create_topic(**kwargs)["TopicArn"]
    for sub in p.get("Subscription", []):
        sns.subscribe(TopicArn=arn, Protocol=sub["Protocol"], Endpoint=sub["Endpoint"])
    return arn, {"TopicArn": arn, "TopicName": name}


def sns_subscription(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    attributes = {}
    for key in ("FilterPolicy", "RedrivePolicy", "DeliveryPolicy"):
        if key in p:
            attributes[key] = _json(p[key])
    for key in ("RawMessageDelivery", "FilterPolicyScope"):
        if key in p:
            attributes[key] = str(p[key]).lower() if isinstance(p[key], bool) else str(p[key])
    arn = ctx.client("sns").subscribe(
        TopicArn=p["TopicArn"],
        Protocol=p["Protocol"],
        Endpoint=p["Endpoint"],
        Attributes=attributes,
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    return arn, {"Arn": arn}


def sns_topic_policy(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    for topic in p.get("Topics", []):
        ctx.client("sns").set_topic_attributes(
            TopicArn=topic, AttributeName="Policy", AttributeValue=_json(p["PolicyDocument"])
        )
    return ctx.name(logical_id), {}


def sqs_queue(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    fifo = str(p.get("FifoQueue", "")).lower() == "true"
    name = p.get("QueueName") or ctx.name(logical_id, 75 if fifo else 80) + (".fifo" if fifo else "")
    attributes: dict[str, str] = {}
    for key, value in p.items():
        if key in ("QueueName", "Tags"):
            continue
        if key in ("RedrivePolicy", "RedriveAllowPolicy"):
            attributes[key] = _json(value)
        else:
            attributes[key] = str(value).lower() if isinstance(value, bool) else str(value)
    kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
    if "Tags" in p:
        kwargs["tags"] = {t["Key"]: t["Value"] for t in tag_list(p["Tags"])}
    url = ctx.client("sqs").create_queue(**kwargs)["QueueUrl"]
    arn = ctx.arn("sqs", name)
    return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}


def sqs_queue_policy(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    for url in p.get("Queues", []):
        ctx.client("sqs").set_queue_attributes(
            QueueUrl=url, Attributes={"Policy": _json(p["PolicyDocument"])}
        )
    return ctx.name(logical_id), {}


# --- KMS / SSM / Logs -----------------------------------------------------------------------------
def kms_key(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    kwargs: dict[str, Any] = pick(p, "Description", "KeyUsage", "KeySpec", "MultiRegion")
    if "KeyPolicy" in p:
        kwargs["Policy"] = _json(p["KeyPolicy"])
    if "Tags" in p:
        kwargs["Tags"] = tag_list(p["Tags"], "TagKey", "TagValue")
    kms = ctx.client("kms")
    meta = kms.create_key(**kwargs)["KeyMetadata"]
    if p.get("EnableKeyRotation") in (True, "true"):
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    return meta["KeyId"], {"Arn": meta["Arn"], "KeyId": meta["KeyId"]}


def kms_alias(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    ctx.client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])
    return p["AliasName"], {}


def ssm_parameter(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("Name") or ctx.name(logical_id, 1011)
    kwargs: dict[str, Any] = {
        "Name": name,
        "Value": str(p["Value"]),
        "Type": p.get("Type", "String"),
        **pick(p, "Description", "AllowedPattern", "Tier", "DataType"),
    }
    if "Tags" in p:
        kwargs["Tags"] = tag_list(p["Tags"])
    ctx.client("ssm").put_parameter(**kwargs)
    return name, {"Type": kwargs["Type"], "Value": kwargs["Value"]}


def log_group(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("LogGroupName") or ctx.name(logical_id, 512)
    logs = ctx.client("logs")
    kwargs: dict[str, Any] = {"logGroupName": name}
    if "KmsKeyId" in p:
        kwargs["kmsKeyId"] = p["KmsKeyId"]
    if "Tags" in p:
        kwargs["tags"] = {t["Key"]: t["Value"] for t in tag_list(p["Tags"])}
    logs.create_log_group(**kwargs)
    if "RetentionInDays" in p:
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(p["RetentionInDays"]))
    return name, {"Arn": ctx.arn("logs", f"log-group:{name}:*")}


# --- IAM ------------------------------------------------------------------------------------------
def iam_role(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    name = p.get("RoleName") or ctx.name(logical_id, 64)
    iam = ctx.client("iam")
    kwargs: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": _json(p["AssumeRolePolicyDocument"]),
        **pick(p, "Path", "Description", "PermissionsBoundary"),
    }
    if "MaxSessionDuration" in p:
        kwargs["MaxSessionDuration"] = int(p["MaxSessionDuration"])
    if "Tags" in p:
        kwargs["Tags"] = tag_list(p["Tags"])
    role = iam.create_role(**kwargs)["Role"]
    for arn in p.get("ManagedPolicyArns", []):
        _attach(iam, name, arn)
    for policy in p.get("Policies", []):
        iam.put_role_policy(
            RoleName=name, PolicyName=policy["PolicyName"], PolicyDocument=_iam_json(policy["PolicyDocument"])
        )
    # Not a GetAtt attribute: what IAM enforcement needs to know of AWS managed policies moto lacks.
    managed = [str(arn) for arn in p.get("ManagedPolicyArns", [])]
    return name, {"Arn": role["Arn"], "RoleId": role["RoleId"], "ManagedPolicyArns": managed}


def _attach(iam: Any, role: str, arn: str) -> None:
    """Attach a managed policy; AWS managed ones are absent in moto unless MOTO_IAM_LOAD_MANAGED_POLICIES."""
    try:
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        if ":iam::aws:policy/" not in arn:
            raise  # AWS managed: lockgate.local.iam.policy.AWS_MANAGED stands in for the ones functions use


def iam_policy(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    iam, document = ctx.client("iam"), _iam_json(p["PolicyDocument"])
    name = p["PolicyName"]
    for role in p.get("Roles", []):
        iam.put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=document)
    for user in p.get("Users", []):
        iam.put_user_policy(UserName=user, PolicyName=name, PolicyDocument=document)
    for group in p.get("Groups", []):
        iam.put_group_policy(GroupName=group, PolicyName=name, PolicyDocument=document)
    return name, {"Id": name}


def iam_managed_policy(ctx: Context, logical_id: str, p: dict[str, Any]) -> Created:
    iam = ctx.client("iam")
    name = p.get("ManagedPolicyName") or ctx.name(logical_id, 128)
    kwargs: dict[str, Any] = {"PolicyName": name, "PolicyDocument": _iam_json(p["PolicyDocument"])}
    kwargs |= pick(p, "Path", "Description")
    arn = iam.create_policy(**kwargs)["Policy"]["Arn"]
    for role in p.get("Roles", []):
        iam.attach_role_policy(RoleName=role, PolicyArn=arn)
    return arn, {"PolicyArn": arn}

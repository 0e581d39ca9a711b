"""Alarms that fix things: which reaction owns an alarm, what it does, and its safety rules.

Pure (no boto3): `alarms` parses Lockgate's alarm-naming convention and the "CloudWatch Alarm State
Change" event, `guidance` says what each alarm means, `ports` is what the reactions need from AWS,
`reactions` runs one reaction as a resumable journal (idempotent per alarm transition, dry-run,
audited, announced), `budget` is the monthly instance-hours cost guard.

The naming convention (the single place that says which reaction owns an alarm):

    lockgate-<environment>-<reaction>-<subject>     reaction: rollback | idle | drift | notify

e.g. `lockgate-dev-rollback-credit-5xx`, `lockgate-dev-idle-credit-staging`,
`lockgate-dev-drift-credit-features`, `lockgate-dev-notify-lambda-errors`. The template also tags
each alarm `lockgate:reaction=<reaction>` for people; the code reads only the name, which is in
every event (tags are not).
"""

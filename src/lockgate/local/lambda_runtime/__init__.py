"""The Lambda runtime: warm worker processes that run the real handlers (`runtime`, `worker`,
`handle`), their environment and credentials (`env`), logs and REPORT lines (`logs`, `report`),
and asynchronous invocation with retries, DLQs and destinations (`async_invoke`)."""

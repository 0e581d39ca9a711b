"""EventBridge rule targets: delivery with the target's RetryPolicy and DeadLetterConfig
(`delivery`) and the target kinds Lockgate's rules use (`targets`)."""

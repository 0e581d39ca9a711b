"""One module per `lockgate` subcommand.

`COMMANDS` is the CLI's one dispatch table: command -> "module:function" under lockgate.commands,
imported only when that command runs (`options.run_command`). `PARSERS` are the modules whose
`add_parsers(sub)` add their subcommands; they import nothing heavy at their top (see options.py)."""

COMMANDS = {
    "up": "up:run_up",
    "invoke": "invoke:run_invoke",
    "demo": "demo:run_demo",
    "translate": "translate:run_translate",
    "runs": "runs:run_runs",
    "lineage": "lineage:run_lineage",
    "bias": "bias:run_bias",
    "alarm": "alarms:run_alarm",
    "actions": "alarms:run_actions",
    "monitor": "alarms:run_monitor",
    "approve": "deploy_cli:approve",
    "reject": "deploy_cli:reject",
    "predict": "deploy_cli:predict",
    "endpoints": "deploy_cli:endpoints",
    "fault": "deploy_cli:fault",
    "retrain": "retrain:run_retrain",
    "deploy": "ab_cli:deploy",
    "promote": "ab_cli:promote",
    "variants": "ab_cli:variants",
    "console": "console_cli:run",
    "review": "review_cli:run_review",
    "contract": "contract_cli:run_contract",
    "batch-predict": "batch_predict:run",
}
PARSERS = (
    "runs",
    "lineage",
    "bias",
    "alarms",
    "deploy_cli",
    "retrain",
    "ab_cli",
    "console_cli",
    "review_cli",
    "contract_cli",
    "batch_predict",
)

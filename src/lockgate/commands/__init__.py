"""One module per `lockgate` subcommand."""

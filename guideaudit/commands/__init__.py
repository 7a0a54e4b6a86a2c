"""One module per `guideaudit` subcommand; see guideaudit/cli.py for the contract."""

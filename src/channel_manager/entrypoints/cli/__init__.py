"""The `channel-manager` admin command line (typer + rich); see docs/cli.md."""

"""`python -m channel_manager.entrypoints.cli`: the same as the `channel-manager` command."""

from channel_manager.entrypoints.cli.app import main

main()

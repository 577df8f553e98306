"""``channel-manager settings``: every ``CM_`` variable, its default and meaning.

Printed from the declarations in `channel_manager.settings`, like the README's table (which a
test keeps equal to ``channel-manager settings --markdown``).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from channel_manager.entrypoints.cli import context
from channel_manager.settings import declared, settings_markdown, show_default


def settings(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the README's Markdown table.")
    ] = False,
) -> None:
    """List the CM_* environment variables: default and meaning (secrets are marked)."""
    if markdown:
        context.out.file.write(settings_markdown())
        return
    table = Table("setting", "default", "meaning")
    for variable, attribute in declared():
        meaning = variable.help + (" (secret)" if variable.secret else "")
        default = show_default(variable, attribute.default).replace("`", "")
        table.add_row(variable.name, default, meaning)
    context.show(table)

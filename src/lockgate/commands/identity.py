"""Who made a decision at the terminal, as runs, lineage, the audit and messages name them."""

from __future__ import annotations

import getpass


def who(command: str) -> str:
    """`<login name> (lockgate <command>)`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container without a passwd entry)
        user = "unknown user"
    return f"{user} (lockgate {command})"

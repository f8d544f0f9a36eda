"""dvcbot: a chat bot and volunteer coordinator for Vietnamese commune help desks."""

import sys

# httpx imports its own command line (and with it rich, pygments and click: about 4 MB and
# 0.1 s) whenever those are installed, as typer's extras are. We never run httpx's command line.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

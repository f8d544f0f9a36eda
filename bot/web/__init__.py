"""The web side of `dvcbot serve`: webhooks, links to pictures and files, health, metrics."""

"""What each button means, declared once per feature as typed actions (bot.core.actions).

Handlers register a handler for each action (handlers/__init__.py); services that put buttons
into notifications use the same declarations, so who answers a button is one name to search.
"""

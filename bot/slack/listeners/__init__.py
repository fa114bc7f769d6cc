"""The Slack listeners, one module per kind; `register(app, front)` wires them all.

Each listener is a plain method a test can call with a fake `ack`: it reads the
payload, calls the service, and hands the result to the reporter to render.
"""

from __future__ import annotations

from slack_bolt import App

from bot.slack.front_end import DialFrontEnd
from bot.slack.listeners import actions, commands, errors, home, shortcuts, views


def register(app: App, front: DialFrontEnd) -> None:
    commands.register(app, front)
    actions.register(app, front)
    shortcuts.register(app, front)
    views.register(app, front)
    home.register(app, front)
    errors.register(app)

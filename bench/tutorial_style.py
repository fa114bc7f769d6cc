"""The comparison app: a /dial bot built the way the CXone tutorial places a call.

For every /dial and every Dial press it does the tutorial's two steps inline, before it
answers Slack: fetch a fresh OAuth token (`requests.post` to /oauth/token), then POST
the call (`requests.post` to /api/journey/v1/outbound), then ack. No token cache, no
connection reuse, no background work.

It is served exactly like our app (bot.server.HttpServer: waitress and Bolt's WSGI
adapter, the same thread count) and reads the same environment variables, so the
benchmark can start either with the same settings. The listener runs in the request
thread (process_before_response=True), the plain way to "answer when done"; with
Bolt's default the HTTP thread would give up waiting after 3 s and the growth with
CXone's latency would be hidden behind a failed answer.

    python bench/tutorial_style.py        # HTTP on $PORT, like `python app.py`
"""

from __future__ import annotations

import csv
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import requests
from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.server import HttpServer

HTTP_THREADS = 16  # as app.py
CONFIRM_ACTION = "dial_confirm"


def get_access_token() -> str:
    """The tutorial's get_access_token(): a new token on every call."""
    response = requests.post(
        os.environ.get("CXONE_TOKEN_URL") or f"{os.environ['CXONE_BASE_URL']}/oauth/token",
        data={
            "grant_type": os.environ.get("CXONE_OAUTH_GRANT_TYPE", "client_credentials"),
            "client_id": os.environ["CXONE_OAUTH_CLIENT_ID"],
            "client_secret": os.environ["CXONE_OAUTH_CLIENT_SECRET"],
        },
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def trigger_personal_connection_call(
    access_token: str, agent_id: str, target_number: str, request_id: str
) -> dict[str, Any]:
    """The tutorial's trigger_personal_connection_call()."""
    response = requests.post(
        f"{os.environ['CXONE_BASE_URL']}/api/journey/v1/outbound",
        json={
            "outboundCampaignId": os.environ["CXONE_OUTBOUND_CAMPAIGN_ID"],
            "contactId": os.environ.get("CXONE_DEFAULT_CONTACT_ID", "contact-1"),
            "phoneNumber": target_number,
            "agentId": agent_id,
            "data": {"source": "developer_tutorial", "requestId": request_id},
        },
        headers={
            "Authorization": f"Bearer {access_token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def read_agents(path: str | None) -> dict[str, str]:
    if not path:
        return {}
    with open(Path(path), encoding="utf-8-sig", newline="") as handle:
        return {
            row[0].strip(): row[1].strip()
            for row in csv.reader(handle)
            if len(row) >= 2 and row[0].strip() != "slack_user_id"
        }


def build_app() -> App:
    agents = read_agents(os.environ.get("DIAL_AGENT_MAP"))
    client = WebClient(
        token=os.environ["SLACK_BOT_TOKEN"],
        base_url=os.environ.get("SLACK_API_URL", "https://slack.com/api/"),
    )
    app = App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
    )

    def dial_inline(user_id: str, number: str, request_id: str) -> str:
        agent_id = agents.get(user_id)
        if agent_id is None:
            return "You are not linked to a CXone agent."
        try:
            token = get_access_token()
            result = trigger_personal_connection_call(token, agent_id, number, request_id)
        except requests.RequestException as error:
            return f"The call failed: {type(error).__name__}."
        return f"Calling {number}: call {result.get('callId')}."

    @app.command("/dial")
    def on_dial(ack: Ack, command: dict[str, Any]) -> None:
        # "/dial <number> [request id]": the optional id lets the benchmark match calls.
        words = (command.get("text") or "").split()
        number = words[0] if words else ""
        request_id = words[1] if len(words) > 1 else command.get("trigger_id", "")
        ack(response_type="ephemeral", text=dial_inline(command["user_id"], number, request_id))

    @app.action(CONFIRM_ACTION)
    def on_dial_pressed(ack: Ack, body: dict[str, Any]) -> None:
        # The button's value is "<number> <request id>".
        number, _, request_id = str(body["actions"][0].get("value") or "").partition(" ")
        ack(response_type="ephemeral", text=dial_inline(body["user"]["id"], number, request_id))

    return app


def main() -> int:
    server = HttpServer(
        build_app(), host="0.0.0.0", port=int(os.environ.get("PORT", "3000")), threads=HTTP_THREADS
    )
    server.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`dialbot demo --via modal`: Alice dials from her App Home and the dial modal instead
of typing /dial. The steps the story adds to bot/sandbox/scenario.py, and the Slack
side of them: the app_home_opened event, the home's button, the modal's submission."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from bot.sandbox import wait_for
from bot.sandbox.render import render_view
from bot.sandbox.slack_requests import (
    app_home_opened_body,
    interactive_body,
    view_action_payload,
    view_submission_payload,
)

if TYPE_CHECKING:
    from bot.cxone import TokenClient
    from bot.sandbox.cxone import CXoneSandbox
    from bot.sandbox.scenario import Demo, _SlackSide
    from bot.store import Store

VIEW_WAIT = 5.0  # seconds for a view the app publishes or opens


class ModalSteps:
    def __init__(self, demo: Demo, slack: _SlackSide) -> None:
        self.demo = demo
        self.out = demo.out
        self.slack = slack
        self.api = slack.api

    def dial(self, cxone: CXoneSandbox, tokens: TokenClient, store: Store) -> str | None:
        """Steps 1 to 3: the home, the modal, the submission; the request's id (None:
        refused for the agent's state, the answer shown by its field)."""
        from bot.sandbox.scenario import ALICE, SALES, TYPED_NUMBER, DemoFailed

        out, names = self.out, self.demo.names
        out.section("1. Alice opens dialbot's Home tab in Slack; the app publishes it:")
        home = self.open_home(ALICE)
        out.box(render_view(home, names))

        out.section("2. Alice presses [ Place a call ] — the dial modal opens:")
        modal = self.press_place_a_call(ALICE, home)
        out.box(render_view(modal, names))

        filled = {"dial_number": TYPED_NUMBER, "dial_channel": SALES}
        out.section(f"3. Alice types {TYPED_NUMBER}, picks #sales and presses [ Dial ]:")
        out.box(render_view(modal, names, {**filled, "dial_channel": f"<#{SALES}>"}))
        if cxone.dial_requests:
            raise DemoFailed("CXone was asked to dial before Alice submitted the modal.")
        if self.demo.fault:
            self.demo.fault.arm(cxone, tokens)
        submitted = time.monotonic()
        ack = self.submit(ALICE, modal, filled)
        errors = ack.get("errors") if ack.get("response_action") == "errors" else None
        if errors and self.demo.agent_state and cxone.state_requests:
            out.say(
                "The app's answer (inside Slack's 3 s) keeps the form, and says by the field:", 3
            )
            for block, sentence in errors.items():
                out.say(f"next to {block}: {sentence}", 5)
            return None
        if ack.get("response_action") != "update":
            raise DemoFailed(f"the app answered the submission with {json.dumps(ack)[:300]}.")
        out.say("The app's answer (inside Slack's 3 s) turns the modal into:", 3)
        out.box(render_view(ack["view"], names))
        final = self.wait_for_outcome(modal["id"], cxone)
        out.say("then, once CXone answered (views.update):", 3)
        out.box(render_view(final, names))
        out.say(f"(the outcome arrived {time.monotonic() - submitted:.1f} s after Dial)", 3)
        self.slack.wait_for_post(SALES)
        made = [r.id for r in store.history(user=ALICE) if r.view_id == modal["id"]]
        if not made:
            raise DemoFailed("the app's database has no dial request from the modal.")
        return made[0]

    def home_after(self, number: int) -> None:
        from bot.sandbox.scenario import ALICE

        self.out.section(f"{number}. Alice's Home tab, published again when the dial ended:")
        home = wait_for(lambda: self._home_with_a_dial(ALICE), timeout=VIEW_WAIT)
        self.out.box(render_view(home, self.demo.names))

    # ---- the Slack side ------------------------------------------------------------

    def open_home(self, user_id: str) -> dict[str, Any]:
        published = len(self.api.calls_to("views.publish"))
        self.slack._post(app_home_opened_body(user_id=user_id))
        self._wait("the app to publish the home", lambda: self._publishes() > published)
        return self.api.home_of(user_id) or {}

    def press_place_a_call(self, user_id: str, home: dict[str, Any]) -> dict[str, Any]:
        opened = len(self.api.calls_to("views.open"))
        payload = view_action_payload(user_id=user_id, action_id="dial_open_modal", view=home)
        self.slack._post(interactive_body(payload))
        self._wait(
            "the app to open the modal", lambda: len(self.api.calls_to("views.open")) > opened
        )
        call = self.api.calls_to("views.open")[opened]
        if not call.ok:
            from bot.sandbox.scenario import DemoFailed

            raise DemoFailed(f"Slack refused the modal: {call.response.get('error')}.")
        return self.api.view(call.response["view"]["id"]) or {}

    def submit(self, user_id: str, modal: dict[str, Any], answers: dict[str, str]) -> dict:
        payload = view_submission_payload(
            user_id=user_id, view=modal, answers=answers, response_url=self.api.response_url()
        )
        answer = self.slack._post(interactive_body(payload))
        return answer.json() if answer.text else {}

    def wait_for_outcome(self, view_id: str, cxone: CXoneSandbox) -> dict[str, Any]:
        from bot.sandbox.scenario import OUTCOME_WAIT, DemoFailed

        def final() -> dict[str, Any] | None:
            view = self.api.view(view_id)
            updated = self.api.calls_to("views.update")
            return view if updated and "Dialing" not in json.dumps(view) else None

        try:
            return wait_for(final, timeout=OUTCOME_WAIT)
        except TimeoutError:
            raise DemoFailed(
                f"Alice's modal showed no outcome within {OUTCOME_WAIT:g} s of Dial "
                f"(CXone got {cxone.dial_requests} dial request(s))."
            ) from None

    def _home_with_a_dial(self, user_id: str) -> dict[str, Any] | None:
        """Alice's home once it lists a dial (the empty home says "No dials yet")."""
        home = self.api.home_of(user_id)
        return home if home and "No dials yet" not in json.dumps(home) else None

    def _publishes(self) -> int:
        return len(self.api.calls_to("views.publish"))

    def _wait(self, what: str, predicate) -> None:
        from bot.sandbox.scenario import DemoFailed

        try:
            wait_for(predicate, timeout=VIEW_WAIT)
        except TimeoutError:
            raise DemoFailed(f"timed out waiting for {what}.") from None

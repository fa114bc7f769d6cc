"""JourneyPlacer: the tutorial's contract (CXONE_API=journey), one POST to
/api/journey/v1/outbound per call, retried only when CXone certainly did not act on it
(bot.cxone.http has the one retry policy). When the request may have reached CXone and
no clear answer came back, the outcome is Unknown and a person decides.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import requests

from bot.calls import CallEvent, CallOrder, DialOutcome, Placed, Rejected, Unknown
from bot.cxone.errors import (
    cxone_message,
    rate_limit_too_long_message,
    rejection_message,
    sent_but_unanswered_message,
)
from bot.cxone.http import Answer, CXoneHttp, NoAnswer, NoToken
from bot.request_log import request_log

log = logging.getLogger("bot.cxone")

OUTBOUND_PATH = "/api/journey/v1/outbound"


class JourneyPlacer:
    def __init__(self, base_url: str, http: CXoneHttp, campaign_id: str) -> None:
        self._url = base_url.rstrip("/") + OUTBOUND_PATH
        self._http = http
        self._campaign_id = campaign_id

    def __repr__(self) -> str:
        return f"JourneyPlacer(url={self._url!r}, campaign_id={self._campaign_id!r})"

    @property
    def http(self) -> CXoneHttp:
        return self._http

    @property
    def uses_contact_id(self) -> bool:
        return True

    @property
    def max_dial_seconds(self) -> float:
        return self._http.max_seconds

    def place_call(self, order: CallOrder) -> DialOutcome:
        """Ask CXone to connect the order's agent to its number. Never raises for HTTP
        trouble; the order's request id tags the log lines, so one dial can be followed."""
        result = self._http.call(
            "POST",
            self._url,
            json=self._payload(order),
            what="dial",
            about=f"agent {order.agent_id}, contact {order.contact_id}",
            rlog=request_log(order.request_id, log),
            idempotent=False,
            request_name="call request",
        )
        if isinstance(result, NoToken):
            return Rejected(str(result.error), None, None, result.attempts)
        if isinstance(result, NoAnswer):
            return self._unanswered(result)
        return _answered(result)

    def follow_call(self, order: CallOrder, placed: Placed) -> Iterator[CallEvent]:
        """The journey API says nothing about a call once it has taken it."""
        return iter(())

    def _payload(self, order: CallOrder) -> dict[str, object]:
        return {
            "outboundCampaignId": self._campaign_id,
            "contactId": order.contact_id,
            "phoneNumber": order.phone_number,
            "agentId": order.agent_id,
            "data": {
                "slackRequester": order.requester_id,
                "slackChannel": order.channel_id,
                "requestId": order.request_id,
            },
        }

    def _unanswered(self, result: NoAnswer) -> DialOutcome:
        if result.maybe_sent:
            reason = sent_but_unanswered_message(result.what_happened)
            return Unknown(reason, None, result.attempts)
        reason = rejection_message(None, f"{result.what_happened} at {self._url}")
        return Rejected(reason, None, None, result.attempts)


def _answered(answer: Answer) -> DialOutcome:
    status, correlation_id, attempts = answer.status, answer.correlation_id, answer.attempts
    if 200 <= status < 300:
        return Placed(_call_id(answer.response), correlation_id, attempts)
    if answer.refused_wait is not None:
        reason = rate_limit_too_long_message(answer.refused_wait)
        return Rejected(reason, status, correlation_id, attempts)
    reason = rejection_message(status, cxone_message(answer.response.content))
    if status >= 500 and status != 503:  # CXone may have acted before failing
        return Unknown(reason, correlation_id, attempts, status)
    return Rejected(reason, status, correlation_id, attempts)


def _call_id(response: requests.Response) -> str | None:
    try:
        answer = response.json()
    except ValueError:
        return None
    if not isinstance(answer, dict):
        return None
    call_id = answer.get("callId") or answer.get("id")
    return str(call_id) if call_id is not None else None

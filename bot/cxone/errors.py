"""CXone failures as sentences people can act on.

Every sentence a Slack user or admin sees about CXone comes from this module:
`rejection_message()` is the one table from an HTTP status to what happened and
what to do next; the token and "outcome unknown" sentences sit beside it.
"""

from __future__ import annotations

import json
import re

from bot import messages
from bot.messages import UNKNOWN_ADVICE

MESSAGE_LIMIT = 300

_NOT_PLACED = "No call was placed."

_REJECTIONS: dict[int, str] = {
    400: (
        "CXone rejected the call request as invalid{detail}. "
        f"{_NOT_PLACED} Check that the contact id exists in CXone, that the number is in "
        "E.164 form (+ and country code), that the campaign is set up for Personal Connection "
        "(API-initiated calls), and that the agent is assigned to the campaign."
    ),
    401: (
        "CXone did not accept the bot's access token, even after fetching a fresh one{detail}. "
        f"{_NOT_PLACED} An admin should check CXONE_OAUTH_CLIENT_ID and "
        "CXONE_OAUTH_CLIENT_SECRET, and that the OAuth client is enabled in CXone Admin."
    ),
    403: (
        "CXone refused the call{detail}: the bot's OAuth client lacks the outbound:call scope, "
        "or the agent is not on the campaign or has no Personal Connection permission. "
        f"{_NOT_PLACED} An admin can add the scope in CXone Admin > Security > OAuth Clients "
        "and check the agent's campaign assignment and permissions."
    ),
    404: (
        "CXone found nothing at the outbound call address or did not know an id in the "
        f"request{{detail}}. {_NOT_PLACED} Check CXONE_BASE_URL, the campaign id "
        "(CXONE_OUTBOUND_CAMPAIGN_ID), the contact id and the agent's linked CXone id."
    ),
    409: (
        "CXone reported a conflict{detail}: the agent may already be on a call or the contact "
        f"may already be being dialed. {_NOT_PLACED} Wait for the current call to finish, "
        "then try again."
    ),
    422: (
        "CXone understood the request but could not act on it{detail}. "
        f"{_NOT_PLACED} Check the number, the contact id and that the agent is available "
        "on the campaign, then try again."
    ),
    429: (
        "CXone is limiting requests and kept doing so after the bot waited{detail}; "
        "no call was placed; try again in a minute."
    ),
    500: (
        "CXone reported an internal error{detail}, so the call may or may not have been "
        f"placed. {UNKNOWN_ADVICE}"
    ),
    502: (
        "A gateway in front of CXone reported an error{detail}, so the call may or may not "
        f"have been placed. {UNKNOWN_ADVICE}"
    ),
    503: (
        "CXone was unavailable and stayed so after the bot retried{detail}. "
        f"{_NOT_PLACED} Try again in a few minutes."
    ),
    504: (
        "A gateway in front of CXone timed out waiting for it{detail}, so the call may or "
        f"may not have been placed. {UNKNOWN_ADVICE}"
    ),
}

_UNREACHABLE = (
    "CXone could not be reached{detail}. "
    f"{_NOT_PLACED} Check CXONE_BASE_URL and the network, or try again in a minute."
)
_OTHER_CLIENT_ERROR = (
    "CXone refused the call request with HTTP {status}{detail}. "
    f"{_NOT_PLACED} Check the campaign, contact and agent ids, then try again."
)
_OTHER_SERVER_ERROR = (
    "CXone answered with HTTP {status}{detail}, so the call may or may not have been "
    f"placed. {UNKNOWN_ADVICE}"
)
_OTHER_STATUS = (
    "CXone answered with unexpected HTTP {status}{detail}. "
    f"{_NOT_PLACED} Check CXONE_BASE_URL, then try again."
)


class CXoneError(Exception):
    """A CXone failure; str(error) is a sentence for people."""


class CXoneConfigError(CXoneError):
    """The token endpoint refused the bot's OAuth client: a person must fix settings."""


class CXoneUnavailableError(CXoneError):
    """The token endpoint could not be reached or kept failing after retries."""


def rejection_message(status: int | None, cxone_message: str | None) -> str:
    """The sentence for a dial that CXone answered with `status` (None: never reached)."""
    quoted = f': "{cxone_message}"' if cxone_message else ""
    detail = f" (HTTP {status}{quoted})"
    if status is None:
        detail = f" ({cxone_message})" if cxone_message else ""
        return _UNREACHABLE.format(detail=detail)
    if status in _REJECTIONS:
        return _REJECTIONS[status].format(detail=detail)
    detail = quoted
    if 400 <= status < 500:
        return _OTHER_CLIENT_ERROR.format(status=status, detail=detail)
    if status >= 500:
        return _OTHER_SERVER_ERROR.format(status=status, detail=detail)
    return _OTHER_STATUS.format(status=status, detail=detail)


def rate_limit_too_long_message(wait_seconds: float) -> str:
    """The sentence for a 429 whose Retry-After is longer than the bot waits for a person."""
    return (
        f"CXone is limiting requests and asked the bot to wait {wait_seconds:g} s before "
        "trying again, longer than a caller should watch a card; no call was placed. "
        "Try again in a minute."
    )


def sent_but_unanswered_message(what_happened: str) -> str:
    """The sentence for a dial whose request may have reached CXone but got no answer."""
    return f"{what_happened}, so the call may or may not have been placed. {UNKNOWN_ADVICE}"


def token_refused_message(
    token_url: str, client_id: str, status: int, cxone_message: str | None
) -> str:
    detail = f': "{cxone_message}"' if cxone_message else ""
    return (
        f"CXone's token endpoint at {token_url} refused the OAuth client '{client_id}' "
        f"(HTTP {status}{detail}), so no call was placed. An admin should check "
        "CXONE_OAUTH_CLIENT_ID, CXONE_OAUTH_CLIENT_SECRET, CXONE_OAUTH_GRANT_TYPE and "
        "CXONE_TOKEN_URL, and that the client is enabled in CXone Admin > Security > OAuth Clients."
    )


def token_missing_message(token_url: str, client_id: str) -> str:
    return (
        f"CXone's token endpoint at {token_url} answered for OAuth client '{client_id}' "
        "without an access token, so no call was placed. Check that CXONE_TOKEN_URL "
        "points at CXone's OAuth token endpoint."
    )


def token_unavailable_message(token_url: str, attempts: int, what_happened: str) -> str:
    check = "CXONE_TOKEN_URL / CXONE_BASE_URL"
    return messages.token_unavailable(token_url, attempts, what_happened, check)


_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
_MESSAGE_KEYS = ("message", "error_description", "error", "errors", "detail", "title")


def cxone_message(body: str | bytes | None) -> str | None:
    """CXone's own explanation from a response body (JSON or plain text), cleaned and trimmed."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        parsed = json.loads(text)
    except ValueError:
        return clean_message(text)
    return clean_message(_message_from_json(parsed))


def clean_message(text: str | None, limit: int = MESSAGE_LIMIT) -> str | None:
    """Strip control characters and squeeze whitespace; trim to `limit` characters."""
    if not text:
        return None
    cleaned = " ".join(_CONTROL_CHARS.sub(" ", text).split())
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned or None


def _message_from_json(parsed: object) -> str | None:
    if isinstance(parsed, str):
        return parsed
    if isinstance(parsed, list):
        parts = [_message_from_json(item) for item in parsed]
        return "; ".join(part for part in parts if part) or None
    if not isinstance(parsed, dict):
        return None
    found = []
    for key in _MESSAGE_KEYS:
        value = parsed.get(key)
        if isinstance(value, dict):
            # {"errors": {"phoneNumber": ["must be E.164"]}} names the field at fault
            pairs = ((field, _message_from_json(msg)) for field, msg in value.items())
            value = "; ".join(f"{field}: {msg}" for field, msg in pairs if msg)
        else:
            value = _message_from_json(value)
        if value and value not in found:
            found.append(value)
    return " – ".join(found) or None

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.cxone.errors import (
    MESSAGE_LIMIT,
    UNKNOWN_ADVICE,
    cxone_message,
    rejection_message,
)


@pytest.mark.parametrize(
    ("status", "must_say"),
    [
        (400, ["contact id", "E.164", "Personal Connection", "assigned to the campaign"]),
        (401, ["CXONE_OAUTH_CLIENT_ID", "CXONE_OAUTH_CLIENT_SECRET", "enabled"]),
        (403, ["outbound:call", "Security > OAuth Clients", "campaign"]),
        (404, ["CXONE_BASE_URL", "campaign id"]),
        (409, ["already"]),
        (422, ["contact id"]),
        (429, ["limiting requests", "try again in a minute"]),
        (503, ["unavailable", "Try again"]),
    ],
)
def test_refusals_say_no_call_was_placed_and_what_to_fix(status, must_say):
    sentence = rejection_message(status, None)

    assert "no call was placed" in sentence.lower()
    assert f"HTTP {status}" in sentence
    for words in must_say:
        assert words in sentence


@pytest.mark.parametrize("status", [500, 502, 504, 507])
def test_server_errors_say_the_call_may_have_been_placed(status):
    sentence = rejection_message(status, "upstream hiccup")

    assert "may or may not have been placed" in sentence
    assert UNKNOWN_ADVICE in sentence
    assert '"upstream hiccup"' in sentence


@pytest.mark.parametrize("status", [405, 418, 302])
def test_statuses_outside_the_table_get_a_default_sentence(status):
    sentence = rejection_message(status, "Teapot")

    assert f"HTTP {status}" in sentence and "Teapot" in sentence
    assert "No call was placed" in sentence


def test_never_reached_says_so():
    sentence = rejection_message(None, "the connection was refused at http://127.0.0.1:9")

    assert "could not be reached" in sentence
    assert "refused at http://127.0.0.1:9" in sentence
    assert "No call was placed" in sentence


def test_cxones_message_is_quoted_in_the_sentence():
    assert '(HTTP 400: "phoneNumber must be E.164")' in rejection_message(
        400, "phoneNumber must be E.164"
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"message": "Agent not on campaign"}, "Agent not on campaign"),
        (
            {"error": "invalid_client", "error_description": "Bad credentials"},
            "Bad credentials – invalid_client",
        ),
        (
            {"errors": ["contactId unknown", "phoneNumber invalid"]},
            "contactId unknown; phoneNumber invalid",
        ),
        ({"errors": [{"message": "contactId unknown"}]}, "contactId unknown"),
        ({"errors": {"phoneNumber": ["must start with +"]}}, "phoneNumber: must start with +"),
        ({"unrelated": 1}, None),
        ([], None),
    ],
)
def test_message_is_taken_from_cxones_json(body, expected):
    assert cxone_message(json.dumps(body)) == expected


def test_plain_text_answers_are_used_as_they_are():
    assert cxone_message(b"No known way to render data\r\n") == "No known way to render data"
    assert cxone_message("") is None
    assert cxone_message(None) is None


def test_control_characters_are_stripped_and_long_messages_trimmed():
    message = cxone_message("bad\x1b[31m value\x00\n" + "x" * 1000)

    assert message.startswith("bad [31m value x")
    assert len(message) == MESSAGE_LIMIT and message.endswith("…")


@given(
    st.one_of(
        st.text(),
        st.binary(),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(),
            lambda inner: (
                st.lists(inner)
                | st.dictionaries(
                    st.sampled_from(["message", "error", "error_description", "errors", "x"]), inner
                )
            ),
        ).map(json.dumps),
    )
)
def test_any_body_gives_a_short_clean_message_or_none(body):
    message = cxone_message(body)

    assert message is None or (
        0 < len(message) <= MESSAGE_LIMIT and not re.search(r"[\x00-\x1f\x7f-\x9f]", message)
    )

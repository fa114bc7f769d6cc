"""Metrics in one process: each app its own registry; the names and labels served."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics, NoMetrics, ack_surface


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def test_two_metrics_in_one_process_never_share_a_counter():
    first, second = Metrics(), Metrics()  # a shared registry would raise "Duplicated timeseries"
    first.dial_finished("placed")
    first.dial_finished("placed")
    second.dial_finished("unknown")

    assert value(first.exposition().decode(), "dialbot_dials_total", outcome="placed") == 2
    assert value(second.exposition().decode(), "dialbot_dials_total", outcome="placed") == 0
    assert value(second.exposition().decode(), "dialbot_dials_total", outcome="unknown") == 1


def test_every_metric_is_served_with_its_labels():
    metrics = Metrics()
    metrics.refused("rate_limited")
    metrics.cxone_request("dial", 202, 0.04)
    metrics.cxone_request("dial", None, 3.0)
    metrics.token_fetch("ok")
    metrics.slack_error("chat.postMessage", "not_in_channel")
    metrics.ack("slash_command", 0.012)
    metrics.call_followed()
    problems = ["the database did not answer within 1 s"]
    metrics.watch_readiness(lambda: problems[0] if problems else None)
    assert value(metrics.exposition().decode(), "dialbot_ready") == 0
    problems.clear()
    with metrics.dial_in_flight():
        during = metrics.exposition().decode()
    text = metrics.exposition().decode()

    assert value(during, "dialbot_dials_in_flight") == 1
    assert value(text, "dialbot_dials_in_flight") == 0
    assert value(text, "dialbot_refusals_total", kind="rate_limited") == 1
    assert value(text, "dialbot_cxone_requests_total", endpoint="dial", status="202") == 1
    assert value(text, "dialbot_cxone_requests_total", endpoint="dial", status="none") == 1
    assert value(text, "dialbot_cxone_request_seconds_count", endpoint="dial") == 2
    assert value(text, "dialbot_cxone_request_seconds_bucket", endpoint="dial", le="0.05") == 1
    assert value(text, "dialbot_cxone_token_fetches_total", result="ok") == 1
    assert (
        value(
            text,
            "dialbot_slack_api_errors_total",
            method="chat.postMessage",
            error="not_in_channel",
        )
        == 1
    )
    assert value(text, "dialbot_ack_seconds_bucket", surface="slash_command", le="0.025") == 1
    assert value(text, "dialbot_calls_followed_total") == 1
    assert value(text, "dialbot_ready") == 1
    for outcome in ("placed", "rejected", "unknown"):  # there at 0 before the first dial
        assert ("dialbot_dials_total", frozenset({("outcome", outcome)})) in samples(text)


def test_no_metrics_records_nothing_and_serves_an_empty_page():
    metrics = NoMetrics()
    metrics.dial_finished("placed")
    metrics.ack("slash_command", 0.1)
    with metrics.dial_in_flight():
        pass
    assert metrics.exposition() == b""


def test_the_surface_of_each_slack_request():
    assert ack_surface({"command": "/dial", "text": ""}) == "slash_command"
    assert ack_surface({"type": "block_actions"}) == "block_actions"
    assert ack_surface({"type": "view_submission"}) == "view_submission"
    assert ack_surface({"type": "shortcut"}) == "shortcut"
    assert ack_surface({"type": "message_action"}) == "message_action"
    assert ack_surface({"type": "event_callback", "event": {}}) == "event"
    assert ack_surface({"type": "<script>"}) == "other"  # never a label from the payload

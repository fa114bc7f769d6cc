"""Reading GET /metrics the way Prometheus does (prometheus_client's own parser)."""

from __future__ import annotations

import requests
from prometheus_client.parser import text_string_to_metric_families


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """(sample name, its labels) -> value, for every sample in an exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    """One sample's value (0 when it is not there yet)."""
    return samples(text).get((name, frozenset(labels.items())), 0.0)


def scrape(base_url: str) -> str:
    answer = requests.get(base_url + "/metrics", timeout=5)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return answer.text

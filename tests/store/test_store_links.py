"""Agent links: link, relink, unlink, and loading DIAL_AGENT_MAP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import Store, StoreError


def test_link_then_get_and_list(store):
    link = store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    assert link.slack_user_id == "U0ALICE"
    assert link.cxone_agent_id == "agent-1001"
    assert link.linked_by == "U0ADMIN"
    assert link.linked_at.tzinfo is not None
    assert store.get_link("U0ALICE") == link
    store.link("U0BOB", "agent-1002", linked_by="U0ADMIN")
    assert [x.slack_user_id for x in store.list_links()] == ["U0ALICE", "U0BOB"]
    assert store.get_link("U0NOBODY") is None


def test_relinking_to_another_agent_replaces_the_link(store):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")
    later = Store(store.engine, clock=lambda: datetime.now(UTC) + timedelta(hours=1))

    relinked = later.link("U0ALICE", "agent-2002", linked_by="U0BOSS")

    assert relinked.cxone_agent_id == "agent-2002"
    assert relinked.linked_by == "U0BOSS"
    assert store.get_link("U0ALICE") == relinked
    assert len(store.list_links()) == 1


def test_linking_to_the_same_agent_again_changes_nothing(store):
    first = store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")
    later = Store(store.engine, clock=lambda: datetime.now(UTC) + timedelta(hours=1))

    again = later.link("U0ALICE", "agent-1001", linked_by="U0OTHER")

    assert again == first


def test_unlink(store):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    assert store.unlink("U0ALICE") is True
    assert store.get_link("U0ALICE") is None
    assert store.unlink("U0ALICE") is False


AGENT_MAP = """\
slack_user_id,cxone_agent_id
U0ALICE, agent-1001

bob,agent-1002
U0CAROL,agent 1003
U0ALICE,agent-9999
U0DAVE,agent-1004,extra
W0ERIN,agent.1005
"""


def test_import_loads_good_rows_and_names_bad_lines(store, tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text(AGENT_MAP)

    report = store.import_links(path)

    assert report.loaded == 2
    assert {(x.slack_user_id, x.cxone_agent_id) for x in store.list_links()} == {
        ("U0ALICE", "agent-1001"),
        ("W0ERIN", "agent.1005"),
    }
    assert [problem.split(":")[0] for problem in report.problems] == [
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "'bob' is not a Slack user id" in report.problems[0]
    assert "'agent 1003' is not a CXone agent id" in report.problems[1]
    assert "already linked on line 2" in report.problems[2]
    assert "expected 2 columns" in report.problems[3]
    assert store.get_link("U0ALICE").linked_by == "DIAL_AGENT_MAP"


def test_import_twice_gives_the_same_links(store, tmp_path):
    path = tmp_path / "agents.csv"
    path.write_text("U0ALICE,agent-1001\nU0BOB,agent-1002\n")  # no header
    store.import_links(path)
    before = store.list_links()
    later = Store(store.engine, clock=lambda: datetime.now(UTC) + timedelta(hours=1))

    report = later.import_links(path)

    assert report.loaded == 2 and report.problems == []
    assert later.list_links() == before


def test_import_updates_a_changed_agent_and_keeps_other_links(store, tmp_path):
    store.link("U0ZOE", "agent-7", linked_by="U0ADMIN")
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")
    path = tmp_path / "agents.csv"
    path.write_text("slack_user_id,cxone_agent_id\nU0ALICE,agent-2002\n")

    store.import_links(path, linked_by="dialbot links import")

    assert store.get_link("U0ALICE").cxone_agent_id == "agent-2002"
    assert store.get_link("U0ALICE").linked_by == "dialbot links import"
    assert store.get_link("U0ZOE").cxone_agent_id == "agent-7"


def test_import_of_a_missing_file_names_the_file_and_the_variable(store, tmp_path):
    missing = tmp_path / "nowhere" / "agents.csv"

    with pytest.raises(StoreError) as raised:
        store.import_links(missing)

    assert str(missing) in str(raised.value)
    assert "DIAL_AGENT_MAP" in str(raised.value)

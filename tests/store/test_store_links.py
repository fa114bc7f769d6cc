"""Agent links: link, relink, unlink, and loading DIAL_AGENT_MAP or `links import`,
where a person's link or unlink wins over any file (the file seeds, people decide)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.store import LinkSource, RowOutcome, Store, StoreError
from bot.store.agent_map import format_agent_map, parse_agent_map


def later(store: Store, hours: int = 1) -> Store:
    return Store(store.engine, clock=lambda: datetime.now(UTC) + timedelta(hours=hours))


def csv_file(tmp_path, text: str, name: str = "agents.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def agents(store: Store) -> dict[str, str]:
    return {link.slack_user_id: link.cxone_agent_id for link in store.list_links()}


def test_link_then_get_and_list(store):
    link = store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    assert link.slack_user_id == "U0ALICE"
    assert link.cxone_agent_id == "agent-1001"
    assert link.linked_by == "U0ADMIN"
    assert link.source is LinkSource.SLACK
    assert link.linked_at.tzinfo is not None
    assert store.get_link("U0ALICE") == link
    store.link("U0BOB", "agent-1002", linked_by="dana", source=LinkSource.CLI)
    assert [x.slack_user_id for x in store.list_links()] == ["U0ALICE", "U0BOB"]
    assert store.get_link("U0BOB").source is LinkSource.CLI
    assert store.get_link("U0NOBODY") is None


def test_relinking_to_another_agent_replaces_the_link(store):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    relinked = later(store).link("U0ALICE", "agent-2002", linked_by="U0BOSS")

    assert relinked.cxone_agent_id == "agent-2002"
    assert relinked.linked_by == "U0BOSS"
    assert store.get_link("U0ALICE") == relinked
    assert len(store.list_links()) == 1


def test_linking_to_the_same_agent_again_changes_nothing(store):
    first = store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    again = later(store).link("U0ALICE", "agent-1001", linked_by="U0OTHER")

    assert again == first


def test_unlink_is_remembered_with_who_and_which_agent(store):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    assert store.unlink("U0ALICE", "U0DANA") is True

    assert store.get_link("U0ALICE") is None
    unlink = store.get_unlink("U0ALICE")
    assert (unlink.cxone_agent_id, unlink.unlinked_by, unlink.source) == (
        "agent-1001",
        "U0DANA",
        LinkSource.SLACK,
    )
    assert unlink.unlinked_at.tzinfo is not None
    assert store.unlink("U0ALICE") is False
    assert store.get_unlink("U0ALICE") == unlink  # a second unlink changes nothing


def test_unlinking_someone_never_linked_records_nothing(store):
    assert store.unlink("U0NOBODY", "U0DANA") is False
    assert store.list_unlinks() == []


def test_linking_again_forgets_the_unlink(store):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")
    store.unlink("U0ALICE", "U0ADMIN")

    store.link("U0ALICE", "agent-2002", linked_by="U0ADMIN")

    assert store.get_unlink("U0ALICE") is None
    assert store.get_link("U0ALICE").cxone_agent_id == "agent-2002"


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
    report = store.import_links(csv_file(tmp_path, AGENT_MAP))

    assert report.loaded == 2
    assert agents(store) == {"U0ALICE": "agent-1001", "W0ERIN": "agent.1005"}
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
    link = store.get_link("U0ALICE")
    assert (link.linked_by, link.source) == ("DIAL_AGENT_MAP", LinkSource.FILE)


def test_comment_lines_are_skipped_also_before_the_header(store, tmp_path):
    path = csv_file(
        tmp_path,
        "# agents for the sales floor\n"
        "  # exported by hand\n"
        "slack_user_id,cxone_agent_id\n"
        "# alice moved to 2002 in May\n"
        "U0ALICE,agent-2002\n",
    )

    report = store.import_links(path)

    assert report.problems == []
    assert [(row.line, row.outcome) for row in report.rows] == [(5, RowOutcome.NEW)]
    assert agents(store) == {"U0ALICE": "agent-2002"}


def test_import_twice_gives_the_same_links_and_says_unchanged(store, tmp_path):
    path = csv_file(tmp_path, "U0ALICE,agent-1001\nU0BOB,agent-1002\n")  # no header
    first = store.import_links(path)
    before = store.list_links()

    report = later(store).import_links(path)

    assert [row.outcome for row in first.rows] == [RowOutcome.NEW, RowOutcome.NEW]
    assert [row.outcome for row in report.rows] == [RowOutcome.UNCHANGED] * 2
    assert report.loaded == 2 and report.problems == []
    assert store.list_links() == before


def test_the_file_changes_what_the_file_linked_and_says_from_what(store, tmp_path):
    store.import_links(csv_file(tmp_path, "U0ALICE,agent-1001\n"))

    report = later(store).import_links(csv_file(tmp_path, "U0ALICE,agent-2002\n", "new.csv"))

    (row,) = report.rows
    assert (row.outcome, row.previous_agent_id, row.cxone_agent_id) == (
        RowOutcome.CHANGED,
        "agent-1001",
        "agent-2002",
    )
    assert store.get_link("U0ALICE").cxone_agent_id == "agent-2002"


def test_the_file_does_not_bring_back_a_link_an_admin_removed_in_slack(store, tmp_path):
    path = csv_file(tmp_path, "U0ALICE,agent-1001\nU0BOB,agent-2002\n")
    store.import_links(path)  # the first start
    store.unlink("U0BOB", "U0DANA")  # `/dial unlink @bob`

    report = later(store).import_links(path)  # the next start

    assert store.get_link("U0BOB") is None
    kept = report.rows[1]
    assert kept.outcome is RowOutcome.KEPT
    assert kept.decision == store.get_unlink("U0BOB")
    assert report.rows[0].outcome is RowOutcome.UNCHANGED


def test_the_file_does_not_undo_a_relink_an_admin_made_in_slack(store, tmp_path):
    path = csv_file(tmp_path, "U0ALICE,agent-1001\n")
    store.import_links(path)
    relinked = store.link("U0ALICE", "agent-2001", linked_by="U0DANA")

    report = later(store).import_links(path)

    assert store.get_link("U0ALICE") == relinked
    (row,) = report.rows
    assert (row.outcome, row.decision) == (RowOutcome.KEPT, relinked)
    assert report.loaded == 0


def test_a_person_confirming_a_file_link_makes_it_theirs(store, tmp_path):
    store.import_links(csv_file(tmp_path, "U0ALICE,agent-1001\n"))
    confirmed = later(store).link("U0ALICE", "agent-1001", linked_by="U0DANA")

    store.import_links(csv_file(tmp_path, "U0ALICE,agent-9009\n", "edited.csv"))

    assert confirmed.source is LinkSource.SLACK and confirmed.linked_by == "U0DANA"
    assert store.get_link("U0ALICE") == confirmed


def test_links_import_changes_file_links_but_not_what_people_did_by_hand(store, tmp_path):
    store.import_links(csv_file(tmp_path, "U0ALICE,agent-1001\nU0ZOE,agent-7\n"))
    store.link("U0BOB", "agent-2001", linked_by="U0DANA")
    store.link("U0CAROL", "agent-3003", linked_by="dana", source=LinkSource.CLI)
    store.unlink("U0CAROL", "dana", source=LinkSource.CLI)
    path = csv_file(
        tmp_path,
        "U0ALICE,agent-1111\nU0BOB,agent-2222\nU0CAROL,agent-3333\nU0NEW,agent-4444\n",
        "import.csv",
    )

    report = store.import_links(path, source=LinkSource.IMPORT, linked_by="dana")

    assert [row.outcome for row in report.rows] == [
        RowOutcome.CHANGED,
        RowOutcome.KEPT,
        RowOutcome.KEPT,
        RowOutcome.NEW,
    ]
    assert agents(store) == {
        "U0ALICE": "agent-1111",
        "U0BOB": "agent-2001",
        "U0NEW": "agent-4444",
        "U0ZOE": "agent-7",
    }
    imported = store.get_link("U0NEW")
    assert (imported.source, imported.linked_by) == (LinkSource.IMPORT, "dana")


def test_the_file_at_start_does_not_undo_links_import(store, tmp_path):
    seed = csv_file(tmp_path, "U0ALICE,agent-1001\n")
    store.import_links(seed)
    store.import_links(
        csv_file(tmp_path, "U0ALICE,agent-2002\n", "import.csv"), source=LinkSource.IMPORT
    )

    report = later(store).import_links(seed)

    assert report.rows[0].outcome is RowOutcome.KEPT
    assert store.get_link("U0ALICE").cxone_agent_id == "agent-2002"


def test_a_load_keeps_the_unlinks_of_people_it_does_not_list(store, tmp_path):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")
    store.unlink("U0ALICE", "U0ADMIN")
    store.import_links(csv_file(tmp_path, "U0BOB,agent-2\n"))

    assert store.get_unlink("U0ALICE") is not None
    assert agents(store) == {"U0BOB": "agent-2"}


def test_an_empty_or_comment_only_file_changes_nothing(store, tmp_path):
    store.link("U0ALICE", "agent-1001", linked_by="U0ADMIN")

    report = store.import_links(csv_file(tmp_path, "# nobody yet\n\n"))

    assert (report.rows, report.problems, report.loaded) == ([], [], 0)
    assert agents(store) == {"U0ALICE": "agent-1001"}


def test_a_large_file_loads_in_one_go(store, tmp_path):
    rows = "".join(f"U{n:08d},agent-{n}\n" for n in range(2500))

    report = store.import_links(csv_file(tmp_path, rows))

    assert report.count(RowOutcome.NEW) == 2500
    assert len(store.list_links()) == 2500


def test_import_of_a_missing_file_names_the_file_and_the_variable(store, tmp_path):
    missing = tmp_path / "nowhere" / "agents.csv"

    with pytest.raises(StoreError) as raised:
        store.import_links(missing)

    assert str(missing) in str(raised.value)
    assert "DIAL_AGENT_MAP" in str(raised.value)
    with pytest.raises(StoreError) as raised:
        store.import_links(missing, source=LinkSource.IMPORT)
    assert "DIAL_AGENT_MAP" not in str(raised.value)


def test_a_formatted_map_reads_back_as_the_same_links():
    links = [("U0ALICE", "agent-1001"), ("W0ERIN", "agent.1005")]

    text = format_agent_map(links, comments=["exported on 2024-05-01", "two links"])

    parsed = parse_agent_map(text.splitlines())
    assert parsed.problems == []
    assert list(parsed.links.items()) == links
    assert text.startswith("# exported on 2024-05-01\n# two links\nslack_user_id,")

"""Every sentence the Slack app shows people, and every log line template of a dial.

One table of words, so tone, links and advice stay consistent and reviewable in one
place. Sentences say what happened and what to do next. Anything a user typed that
ends up here must already be escaped (`bot.parsing.quote_for_slack`) by the caller.
CXone's own sentences (the error table, the "outcome unknown" advice) live in
`bot.cxone.errors`; this module only frames them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.parsing import quote_for_slack
from bot.store.records import (
    AgentLink,
    AgentUnlink,
    ImportedRow,
    ImportReport,
    LinkSource,
    RowOutcome,
)

# --- small formatting helpers -------------------------------------------------


def mention(user_id: str) -> str:
    return f"<@{user_id}>"


def channel_link(channel_id: str) -> str:
    return f"<#{channel_id}>"


def people(user_ids: Iterable[str]) -> str:
    ids = sorted(user_ids)
    return ", ".join(mention(u) for u in ids)


def minutes(seconds: float) -> str:
    whole = round(seconds / 60)
    if seconds < 90:
        return f"{int(seconds)} seconds"
    return f"{whole} minutes"


# --- outcomes the core words itself (bot.dialing) --------------------------------

UNKNOWN_ADVICE = (
    "Check the agent's phone and the agent's recent calls in CXone's call history "
    "before dialing again, so the customer is not called twice."
)

PLACER_CRASHED = f"The bot hit an internal error while asking CXone. {UNKNOWN_ADVICE}"


# --- refusals from the core (bot.dialing) --------------------------------------


def not_linked(admins: Iterable[str]) -> str:
    admins = list(admins)
    who = f"an admin ({people(admins)})" if admins else "whoever runs the bot"
    return (
        "You're not linked to a CXone agent yet, so /dial doesn't know whose phone to ring. "
        f"Ask {who} to run `/dial link @you AGENT_ID` with your CXone agent id."
    )


def not_a_supervisor(agent_user_id: str) -> str:
    return (
        f"Only supervisors (DIAL_SUPERVISORS) can dial as someone else, so nothing was dialed "
        f"as {mention(agent_user_id)}. Leave out `as @agent` to dial as yourself, "
        "or ask a supervisor to place the call."
    )


def agent_not_linked(agent_user_id: str, admins: Iterable[str]) -> str:
    admins = list(admins)
    who = f"an admin ({people(admins)})" if admins else "whoever runs the bot"
    return (
        f"{mention(agent_user_id)} isn't linked to a CXone agent, so there is no one to "
        f"connect the call to. Ask {who} to run `/dial link @user AGENT_ID` for them."
    )


NO_CONTACT_ID = (
    "This dial needs a CXone contact id and none is configured. Add `contact CONTACT_ID` "
    "to the command, or ask an admin to set CXONE_DEFAULT_CONTACT_ID."
)

PREPARE_STORE_FAILED = (
    "The bot couldn't save your dial request because its database is not answering. "
    "No call was placed. Try again in a minute, and tell an admin if it keeps happening."
)

CONFIRM_STORE_FAILED = (
    "The bot couldn't record your confirmation because its database is not answering, "
    "so it placed no call. Press Dial again in a minute, and tell an admin if it keeps happening."
)

CANCEL_STORE_FAILED = (
    "The bot couldn't cancel this dial because its database is not answering. Nothing "
    "was dialed; press Cancel again in a minute (the card expires on its own anyway)."
)

VIEW_NOT_YOURS = (
    "This dial form already placed someone else's call, so nothing was dialed. "
    "Open a new form with /dial to place yours."
)

HOME_STORE_FAILED = (
    "The bot couldn't read your link and your dials because its database is not answering. "
    "Open this tab again in a minute, and tell an admin if it keeps happening."
)

UNKNOWN_REQUEST = (
    "This card doesn't match any dial request the bot knows, so nothing was dialed. "
    "Run /dial again to get a fresh card."
)


def not_yours(requester_id: str) -> str:
    return (
        f"Only {mention(requester_id)}, who ran this /dial, can confirm or cancel it. "
        "Nothing was done; run /dial yourself to place a call."
    )


def expired(ttl_seconds: float) -> str:
    return (
        f"This card expired (cards are good for {minutes(ttl_seconds)}), so no call was "
        "placed. Run /dial again if you still want to call."
    )


def already_handled(state_words: str) -> str:
    return f"This dial request {state_words}; nothing more was done."


ALREADY_DIALING = (
    "This dial is already being placed; nothing more was done. "
    "The outcome will appear here in a moment."
)


def rate_limited(limit: int, wait_seconds: int) -> str:
    return (
        f"You've confirmed {limit} dial{'s' if limit != 1 else ''} in the last minute, the most "
        f"allowed (DIAL_RATE_LIMIT_PER_MINUTE), so nothing was dialed. Press Dial again in "
        f"{wait_seconds} second{'s' if wait_seconds != 1 else ''}."
    )


def not_an_admin(admins: Iterable[str]) -> str:
    admins = list(admins)
    ask = f" Ask one of them: {people(admins)}." if admins else " No admins are configured yet."
    return "Only admins (DIAL_ADMINS) can link or unlink agents, so nothing was changed." + ask


def linked(user_id: str, agent_id: str) -> str:
    return (
        f"Linked {mention(user_id)} to CXone agent `{agent_id}`. "
        "They can now run `/dial NUMBER` to call as that agent."
    )


def unlinked(user_id: str) -> str:
    return f"Unlinked {mention(user_id)}; they can no longer place calls with /dial."


def was_not_linked(user_id: str) -> str:
    return f"{mention(user_id)} wasn't linked to a CXone agent, so there was nothing to unlink."


def whois_linked(user_id: str, link: AgentLink) -> str:
    return (
        f"{mention(user_id)} dials as CXone agent `{link.cxone_agent_id}` "
        f"({_where_the_link_came_from(link)})."
    )


def _where_the_link_came_from(link: AgentLink) -> str:
    on = _day(link.linked_at)
    by = quote_for_slack(link.linked_by, limit=64)
    if link.source is LinkSource.SLACK:
        admin = mention(link.linked_by) if link.linked_by.startswith(("U", "W")) else by
        return f"linked in Slack by {admin} on {on}"
    if link.source is LinkSource.CLI:
        return f"linked with `dialbot links link` by {by} on {on}"
    if link.source is LinkSource.IMPORT:
        return f"loaded with `dialbot links import` by {by} on {on}"
    if link.source is LinkSource.EMAIL:
        return f"linked on {on} because their Slack email is that agent's email in CXone"
    return (
        f"from the agent map file (DIAL_AGENT_MAP), loaded on {on}; "
        "an admin's `/dial link` or `/dial unlink` takes precedence over the file"
    )


def whois_unlinked(user_id: str) -> str:
    return (
        f"{mention(user_id)} isn't linked to a CXone agent. "
        "An admin can link them with `/dial link @user AGENT_ID`."
    )


def link_store_failed() -> str:
    return (
        "The bot couldn't change the link because its database is not answering. "
        "Nothing was changed; try again in a minute."
    )


# --- Slack-side problems ---------------------------------------------------------


def no_such_user(name: str) -> str:
    return (
        f"No one in this workspace goes by @{name}, so nothing was done. "
        "Pick the person from Slack's @ autocomplete and try again."
    )


def ambiguous_user(name: str) -> str:
    return (
        f"More than one person in this workspace goes by @{name}, so nothing was done. "
        "Pick the person from Slack's @ autocomplete so Slack sends who you mean."
    )


def user_lookup_failed(name: str) -> str:
    return (
        f"The bot couldn't look up @{name} in Slack just now, so nothing was done. "
        "Pick the person from Slack's @ autocomplete, or try again in a minute."
    )


def usage_problem(problem: str, usage: str) -> str:
    return f"{problem}\n{usage}"


def internal_error(reference: str) -> str:
    return (
        f"Something went wrong on the bot's side (reference `{reference}`). If you had "
        "pressed Dial, check the agent's recent calls in CXone before trying again; "
        "tell an admin the reference if it happens again."
    )


NO_NUMBER_IN_MESSAGE = (
    "The bot found no phone number in that message, so there is nothing to dial. "
    "Run `/dial NUMBER` instead."
)


def help_text(usage: str) -> str:
    return (
        "*Place a CXone call from Slack.*\n"
        f"{usage}\n"
        "• `/dial NUMBER` rings your own CXone agent phone first, then connects the number.\n"
        "• A card only you can see asks you to confirm; nothing is dialed until you press *Dial*.\n"
        "• The outcome is posted in this channel, in a thread under the call.\n"
        "• `as @agent` (supervisors) dials for another linked agent; "
        "`contact CONTACT_ID` picks the CXone contact record.\n"
        "• `/dial whois` shows whose agent you dial as; admins link people with "
        "`/dial link @user AGENT_ID`.\n"
        "• `/dial` on its own opens a form, as do the *Place a call* shortcut and the "
        "button on dialbot's Home tab, which also lists your last dials."
    )


# --- cards and posts ---------------------------------------------------------------

DIAL_BUTTON = "Dial"
CANCEL_BUTTON = "Cancel"
MODAL_TITLE = "Place a call"  # Slack allows 24 characters
MODAL_CLOSE = "Close"

# --- the dial modal (labels and hints are plain text) --------------------------------

MODAL_SUBMIT = "Dial"
MODAL_CANCEL = "Cancel"
MODAL_INTRO = (
    "CXone rings the agent's phone first, then connects the number. "
    "Pressing *Dial* places the call: there is no second step."
)
NUMBER_LABEL = "Phone number"
NUMBER_PLACEHOLDER = "+1 415 555 0123"
AGENT_LABEL = "Dial as"
AGENT_PLACEHOLDER = "Yourself"
AGENT_HINT = "Leave it empty to dial as yourself, or pick a linked agent to dial as them."
CONTACT_LABEL = "CXone contact id"
CHANNEL_LABEL = "Post the outcome in"
CHANNEL_PLACEHOLDER = "A direct message from dialbot"
CHANNEL_HINT = (
    "The call is posted there with its outcome in the thread. "
    "Leave it empty to get the outcome as a direct message from dialbot."
)


def number_hint(default_region: str) -> str:
    return f"Numbers typed without a + country code are read as {default_region} numbers."


def contact_hint(default_contact_id: str | None) -> str:
    if default_contact_id:
        return f"Leave it empty to use the default contact, {default_contact_id}."
    return "The CXone contact record this call belongs to."


MODAL_NO_CONTACT = (
    "Type the CXone contact id for this call: no default is configured (CXONE_DEFAULT_CONTACT_ID)."
)
MODAL_NOT_A_SUPERVISOR = (
    "Only supervisors (DIAL_SUPERVISORS) can dial as someone else, so nothing was dialed. "
    "Leave “Dial as” empty to dial as yourself."
)
FORM_NOT_A_PERSON = "Pick one person from the list, or leave it empty to dial as yourself."
FORM_NOT_A_CONVERSATION = (
    "Pick a channel or conversation from the list, or leave it empty for a direct message."
)
FORM_UNREADABLE = (
    "The bot couldn't read this form, so nothing was dialed. Close it and open a new one."
)


def modal_open_failed(usage: str) -> str:
    return (
        "The bot couldn't open the dial form just now, so nothing was done. "
        f"Type the number after /dial instead, or try again in a moment.\n{usage}"
    )


# --- the App Home ------------------------------------------------------------------------

HOME_HEADER = "Place CXone calls from Slack"
PLACE_CALL_BUTTON = "Place a call"
HOME_YOUR_DIALS = "*Your last dials*"
HOME_NO_DIALS = "No dials yet. Press *Place a call*, or type `/dial NUMBER` in any channel."
HOME_TEAM_DIALS = "*The team's last dials* (admins)"
HOME_STATE_UNREAD = (
    ":grey_question: Your agent's state in CXone couldn't be read just now; a dial checks it again."
)


def home_linked(agent_id: str, linked_by: str, linked_on: str) -> str:
    by = mention(linked_by) if linked_by.startswith(("U", "W")) else linked_by
    return (
        f"You dial as CXone agent `{agent_id}` (linked by {by} on {linked_on}). "
        "CXone rings that agent's phone first, then the number."
    )


def home_unlinked(admins: Iterable[str], link_by_email: bool) -> str:
    admins = list(admins)
    who = f"an admin ({people(admins)})" if admins else "whoever runs the bot"
    if link_by_email:
        return (
            "You're not linked to a CXone agent yet. Your first dial links you to the one "
            "active CXone agent whose email address is your Slack email; if there is none, "
            f"ask {who} to run `/dial link @you AGENT_ID`."
        )
    return (
        "You're not linked to a CXone agent yet, so dialbot doesn't know whose phone to ring. "
        f"Ask {who} to run `/dial link @you AGENT_ID` with your CXone agent id."
    )


def home_state(state_words: str) -> str:
    return f":large_green_circle: Your agent is *{state_words}* in CXone."


def home_team(link_count: int) -> str:
    people_word = "person is" if link_count == 1 else "people are"
    return f"*Team* · {link_count:,} {people_word} linked to CXone agents."


def home_dialable(mentions: list[str], more: int) -> str:
    if not mentions:
        return "*You may dial as* any linked agent; no one else is linked yet."
    rest = f" and {more:,} more" if more > 0 else ""
    return (
        f"*You may dial as* {', '.join(mentions)}{rest} (supervisor): pick one in "
        "“Dial as” in the form, or type `/dial NUMBER as @agent`."
    )


def home_updated(when: str) -> str:
    return f"Updated {when}. This tab is refreshed each time you open it and after each dial."


HOME_OUTCOMES = {
    "pending": ":hourglass: Waiting for Dial",
    "dialing": ":hourglass_flowing_sand: Dialing…",
    "placed": ":white_check_mark: Placed",
    "rejected": ":x: Not placed",
    "unknown": ":warning: Outcome unknown",
    "cancelled": ":heavy_minus_sign: Cancelled",
    "expired": ":heavy_minus_sign: Expired",
}


def confirm_heading(number_display: str, agent_name: str) -> str:
    return f"*Call {number_display}* as *{agent_name}*?"


def confirm_footer(ttl_seconds: float) -> str:
    return (
        f"CXone rings the agent's phone first, then the number. "
        f"This card works for {minutes(ttl_seconds)}."
    )


def dialing_card(number_display: str, agent_name: str) -> str:
    return f":hourglass_flowing_sand: Dialing {number_display} as {agent_name}…"


def card_placed(number_display: str, agent_name: str, call_id: str | None) -> str:
    return (
        f":white_check_mark: Call to {number_display} placed as {agent_name}"
        f"{_call_id_words(call_id)}. The agent's phone rings first."
    )


def card_rejected(number_display: str, reason: str) -> str:
    return f":x: The call to {number_display} was not placed. {reason}"


def card_unknown(number_display: str, reason: str) -> str:
    return f":warning: The outcome of the call to {number_display} is unknown. {reason}"


def card_cancelled(number_display: str) -> str:
    return f"Cancelled. No call to {number_display} was placed."


def card_expired(number_display: str, ttl_seconds: float) -> str:
    return (
        f"This card for {number_display} expired after {minutes(ttl_seconds)}; no call was "
        "placed. Run /dial again if you still want to call."
    )


def parent_post(requester_id: str, number_shown: str, agent_user_id: str, agent_id: str) -> str:
    return (
        f":telephone_receiver: {mention(requester_id)} is calling {number_shown} "
        f"{_as_agent(requester_id, agent_user_id, agent_id)}."
    )


def _as_agent(requester_id: str, agent_user_id: str, agent_id: str) -> str:
    if agent_user_id == requester_id:
        return f"from their CXone agent phone (agent `{agent_id}`)"
    return f"as {mention(agent_user_id)} (CXone agent `{agent_id}`)"


def outcome_placed(call_id: str | None) -> str:
    return (
        f":white_check_mark: Call placed{_call_id_words(call_id)}. "
        "CXone is ringing the agent's phone, then the number."
    )


def outcome_rejected(reason: str) -> str:
    return f":x: Not placed. {reason}"


def outcome_unknown(reason: str) -> str:
    return f":warning: Outcome unknown. {reason}"


def private_outcome(parent_text: str, outcome_text: str) -> str:
    return (
        f"{parent_text}\n{outcome_text}\n"
        "_The bot can't post in this conversation, so only you see this. "
        "Invite the bot to the channel to get the call posted there._"
    )


def notification(
    requester_id: str,
    number_shown: str,
    agent_user_id: str,
    agent_id: str,
    channel_id: str,
    outcome_words: str,
) -> str:
    return (
        f"{mention(requester_id)} dialed {number_shown} in {channel_link(channel_id)} "
        f"{_as_agent(requester_id, agent_user_id, agent_id)}: {outcome_words}"
    )


def notification_outcome_placed(call_id: str | None) -> str:
    return f"placed{_call_id_words(call_id)}."


NOTIFICATION_OUTCOME_REJECTED = "rejected by CXone, no call placed."
NOTIFICATION_OUTCOME_UNKNOWN = "outcome unknown; check CXone before dialing again."


def recovered_unknown(number_shown: str, advice: str) -> str:
    return (
        f":warning: The bot restarted while your call to {number_shown} was being placed, "
        f"so its outcome is unknown. {advice}"
    )


# --- the channel post once the call has an outcome (issue 11) ------------------------
# chat.update turns "is calling" into one of these: the outcome first, in words and
# emoji, so someone skimming the channel is never told a call is going on when it ended.


def parent_placed(requester_id: str, number_shown: str, agent: str, call_id: str | None) -> str:
    call = f"; CXone call id `{call_id}`" if call_id else ""
    who = mention(requester_id)
    return f":white_check_mark: Call placed: {who} called {number_shown} {agent}{call}."


def parent_not_placed(requester_id: str, number_shown: str, agent: str) -> str:
    return (
        f":x: Not placed: no call to {number_shown} was placed for {mention(requester_id)} "
        f"{agent}. The thread says why."
    )


def parent_unknown(requester_id: str, number_shown: str, agent: str) -> str:
    return (
        f":warning: Outcome unknown: {mention(requester_id)}'s call to {number_shown} {agent} "
        "may or may not have been placed. Check CXone before dialing again; the thread "
        "says what to check."
    )


def parent_recovered(requester_id: str, number_shown: str, agent: str) -> str:
    return (
        f":warning: Outcome unknown: the bot restarted while {mention(requester_id)}'s call "
        f"to {number_shown} {agent} was being placed. Check CXone before dialing again; "
        "the thread says what to check."
    )


def as_agent(requester_id: str, agent_user_id: str, agent_id: str) -> str:
    return _as_agent(requester_id, agent_user_id, agent_id)


def _call_id_words(call_id: str | None) -> str:
    return f" (CXone call id `{call_id}`)" if call_id else ""


# --- state words shown when a card is pressed after it was handled -----------------

STATE_WORDS = {
    "pending": "is waiting for you to press Dial",
    "dialing": "is already being dialed",
    "placed": "was already placed",
    "rejected": "was already tried and CXone rejected it",
    "unknown": "was already tried and its outcome is unknown",
    "cancelled": "was cancelled",
    "expired": "expired",
}

# --- agent maps (DIAL_AGENT_MAP at start, `dialbot links import`): plain text -------

_ORIGIN = {
    LinkSource.SLACK: "in Slack",
    LinkSource.CLI: "with `dialbot links`",
    LinkSource.IMPORT: "with `dialbot links import`",
    LinkSource.FILE: "from DIAL_AGENT_MAP",
    LinkSource.EMAIL: "by their email",
}


def link_decision(decision: AgentLink | AgentUnlink) -> str:
    """A link or unlink as a phrase: 'unlinked in Slack by U0DANA on 2024-05-01'."""
    if isinstance(decision, AgentUnlink):
        by = f" by {decision.unlinked_by}" if decision.unlinked_by else ""
        return f"unlinked {_ORIGIN[decision.source]}{by} on {_day(decision.unlinked_at)}"
    return (
        f"linked to {decision.cxone_agent_id} {_ORIGIN[decision.source]} "
        f"by {decision.linked_by} on {_day(decision.linked_at)}"
    )


def imported_row(row: ImportedRow) -> str:
    """What one good row of an agent map did."""
    head = f"line {row.line}: {row.slack_user_id}"
    if row.outcome is RowOutcome.NEW:
        return f"{head} new, linked to {row.cxone_agent_id}"
    if row.outcome is RowOutcome.CHANGED:
        return f"{head} changed from {row.previous_agent_id} to {row.cxone_agent_id}"
    if row.outcome is RowOutcome.UNCHANGED:
        return f"{head} unchanged, linked to {row.cxone_agent_id}"
    return (
        f"{head} skipped because an admin changed it ({link_decision(row.decision)}); "
        f"the row says {row.cxone_agent_id}: change or remove the row to match"
    )


def import_summary(report: ImportReport) -> str:
    kept = report.count(RowOutcome.KEPT)
    bad = len(report.problems)
    return (
        f"{report.count(RowOutcome.NEW)} new, {report.count(RowOutcome.CHANGED)} changed, "
        f"{report.count(RowOutcome.UNCHANGED)} unchanged, {kept} skipped because an admin "
        f"changed {'it' if kept == 1 else 'them'}, {bad} bad row{'' if bad == 1 else 's'}"
    )


LINK_SOURCE_LABELS = {
    LinkSource.SLACK: "Slack",
    LinkSource.CLI: "dialbot links",
    LinkSource.IMPORT: "links import",
    LinkSource.FILE: "DIAL_AGENT_MAP",
    LinkSource.EMAIL: "email match",
}
CLI_UNLINKS_HEADING = (
    "Unlinked by a person (a DIAL_AGENT_MAP or `links import` row for them is skipped):"
)
CLI_KEPT_ROWS_HINT = (
    "A skipped row stays skipped at every import and start. To link that person as the "
    "row says anyway: `dialbot links link SLACK_USER_ID CXONE_AGENT_ID` (or `/dial link`)."
)
CLI_UNKNOWN_OPERATOR = "an unnamed user"


def cli_bad_rows(count: int) -> str:
    return (
        f"Skipped {count} bad row{'' if count == 1 else 's'}; fix them and import the file again:"
    )


# --- the admin command line (`dialbot …`): plain text --------------------------------


def cli_using_database(where: str) -> str:
    return f"Using the database at {where} (DATABASE_URL)."


CLI_UNPARSABLE_DATABASE_URL = "the DATABASE_URL given, which is not a database URL"


def cli_no_database(where: str, path: str) -> str:
    return (
        f"There is no database at {where}: the file {path} does not exist, and only "
        "`dialbot db upgrade` creates one. Run `dialbot db upgrade` to create it, or set "
        "DATABASE_URL (in the environment or .env) to the bot's database. Nothing was done."
    )


def cli_schema_created(where: str, revision: str) -> str:
    return f"Created dialbot's tables in the database at {where} (schema revision {revision})."


def cli_schema_upgraded(where: str, before: str, after: str) -> str:
    return f"Upgraded the database at {where} from schema revision {before} to {after}."


def cli_schema_current(where: str) -> str:
    return f"The database at {where} is already up to date."


CLI_NO_LINKS = (
    "No agent links yet. Add them with `/dial link @user <agentId>` in Slack, "
    "`dialbot links link USER AGENT` or `dialbot links import FILE`."
)


def cli_linked(user_id: str, agent_id: str, before: AgentLink | None) -> str:
    if before is not None and before.cxone_agent_id == agent_id:
        was = f"it already was, {link_decision(before)}"
    elif before is not None:
        was = f"it was {before.cxone_agent_id}"
    else:
        was = "new"
    return (
        f"Linked {user_id} to CXone agent {agent_id} ({was}). A DIAL_AGENT_MAP or "
        "`links import` row no longer changes this link; only a person does."
    )


def cli_unlinked(user_id: str, agent_id: str) -> str:
    return (
        f"Unlinked {user_id} (was CXone agent {agent_id}). A DIAL_AGENT_MAP or "
        "`links import` row for them is skipped from now on; `dialbot links link` or "
        "`/dial link` links them again."
    )


def cli_was_not_linked(user_id: str) -> str:
    return f"{user_id} wasn't linked to a CXone agent, so nothing changed. Check the id."


def cli_export_comments(where: str, count: int, at: datetime, unlinked: list[str]) -> list[str]:
    lines = [
        f"dialbot links export from {where} on {at:%Y-%m-%d %H:%M} UTC: "
        f"{count} link{'' if count == 1 else 's'}",
        "`dialbot links import FILE` takes this file back",
    ]
    if unlinked:
        lines.append(
            "unlinked by a person, so a row for them would be skipped: " + ", ".join(unlinked)
        )
    return lines


def cli_cannot_write(path: str, error: OSError) -> str:
    return f"Can't write {path} ({error.strerror or error}); nothing was written."


def cli_exported(count: int, path: str) -> str:
    return f"Wrote {count} link{'' if count == 1 else 's'} to {path}."


def cli_no_requests(filters: list[str]) -> str:
    return f"No dial requests{' ' + ', '.join(filters) if filters else ''} yet."


def cli_not_positive(text: str) -> str:
    return f"{text!r} is not a whole number above 0"


def cli_not_a_moment(text: str) -> str:
    return (
        f"{text!r} is not a date (2024-05-01), a UTC time (2024-05-01T09:30) or a "
        "time ago (30m, 12h, 7d, 2w)"
    )


def cli_not_a_state(text: str, states: Iterable[str]) -> str:
    return f"{text!r} is not a dial state; use one of {', '.join(states)}"


def cli_not_a_slack_user_id(text: str) -> str:
    return f"{text!r} is not a Slack user id (like U0123ABCD)"


def cli_not_an_agent_id(text: str) -> str:
    return f"{text!r} is not a CXone agent id (up to 64 letters, digits, '.', '_' or '-')"


def cli_not_a_port(text: str) -> str:
    return f"{text!r} is not a port: use a number from 1 to 65535, or 0 for any free port"


def cli_not_at_least(text: str, least: float) -> str:
    return f"{text!r} is not a number of at least {least:g}"


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


# --- log templates (%-style, for logging's lazy formatting; never tokens or full numbers)

LOG_PREPARED = "prepared dial to %s as agent %s for %s (expires %s)"
LOG_REFUSED = "refused %s for %s: %s"
LOG_CLAIMED = "claimed by %s; placing the call to %s as agent %s"
# Outcomes (issue 11). WARNING is kept for outcomes that may have rung a customer: an
# operator filtering on WARNING sees exactly the calls to check against CXone. A
# rejection certainly rang no one and the requester is told why in Slack, so it is INFO.
LOG_OUTCOME_PLACED = "outcome placed: CXone call id %s, correlation id %s, %d attempt(s)"
LOG_OUTCOME_REJECTED = "outcome rejected, no call placed: CXone status %s, correlation id %s: %s"
LOG_OUTCOME_UNKNOWN = (
    "outcome unknown, CXone may have rung the customer: CXone status %s, correlation id %s, "
    "%d attempt(s): %s"
)
NO_CALL_ID = "none (no call id in CXone's answer)"
NO_CORRELATION_ID = "none given"
NO_STATUS = "none (no answer from CXone, or the connection broke)"
LOG_STORE_FAILED = "database failed during %s: %s"
LOG_FINAL_STATE_NOT_SAVED = "could not save outcome %s: state was no longer dialing"
LOG_PLACER_CRASHED = "the call placer raised instead of returning an outcome; recorded as unknown"
LOG_SLACK_FAILED = "Slack %s failed: %s"
LOG_FALLBACK_PRIVATE = "cannot post in channel %s (%s); sending the outcome privately"
LOG_PARENT_NOT_UPDATED = (
    "could not update the channel post %s to the outcome (%s); the thread reply stands"
)
LOG_RECOVERED = (
    "outcome unknown, CXone may have rung the customer: the bot stopped while placing it "
    "(dialing since %s), so no CXone status or correlation id was recorded"
)
LOG_AGENT_MAP = "DIAL_AGENT_MAP %s: %s"  # the path, then import_summary() or imported_row()
LOG_AGENT_MAP_PROBLEM = "DIAL_AGENT_MAP %s: %s"
LOG_UNHANDLED = "unhandled error (reference %s)"
LOG_LINK = "%s linked %s to agent %s"
LOG_UNLINK = "%s unlinked %s"
LOG_USERS_LIST = "users.list fetched %d users in %d page(s)"
LOG_SOCKET_OPEN = "Socket Mode connection %s open (%.0f ms)"
LOG_SOCKET_ENDED = "Socket Mode connection %s ended without a disconnect message; reconnecting"
LOG_SOCKET_RECONNECT_FAILED = "Socket Mode could not reconnect (%s); trying again in %.1f s"

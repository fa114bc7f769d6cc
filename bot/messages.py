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
    ready = state_words == "Available"  # the words bot.agent_state gives (state_short)
    mark = ":large_green_circle:" if ready else ":white_circle:"
    return f"{mark} Your agent is *{state_words}* in CXone."


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


# --- dialbot doctor (issue 15): plain text, one line per check ------------------------
# Never a secret in any of these: they name variables, hosts and ids, not values.

DOCTOR_FIX_PREFIX = "→"
DOCTOR_BUDGET_FIX = "Check the network between this host and Slack, CXone and the database."
DOCTOR_NO_ANSWER_FIX = "Check the host's address and that the network lets this host reach it."
DOCTOR_SETTINGS_FIX = "Set them in the environment or in .env (.env.example explains each)."
DOCTOR_SLACK_TOKEN_FIX = (
    "Copy the Bot User OAuth Token (xoxb-…) from your Slack app's OAuth & Permissions page "
    "into SLACK_BOT_TOKEN."
)
DOCTOR_APP_TOKEN_FIX = (
    "Create an app-level token with the connections:write scope (your Slack app's Basic "
    "Information → App-Level Tokens) and put it in SLACK_APP_TOKEN, or leave SLACK_APP_TOKEN "
    "out for HTTP mode."
)
DOCTOR_SOCKET_MODE_OFF_FIX = (
    "Turn Socket Mode on (your Slack app's Socket Mode page, or socket_mode_enabled: true in "
    "manifest.yml), or leave SLACK_APP_TOKEN out for HTTP mode."
)
DOCTOR_SCOPES_FIX = (
    "Add them under OAuth & Permissions → Bot Token Scopes (manifest.yml lists them all) and "
    "reinstall the app to the workspace."
)
DOCTOR_NO_SCOPES_HEADER = (
    "Slack's answer did not say which scopes the token has (no x-oauth-scopes header)"
)
DOCTOR_NO_SCOPES_FIX = "Check that nothing between this host and SLACK_API_URL drops headers."
DOCTOR_NOTIFY_UNSET = "DIAL_NOTIFY_CHANNEL is not set: no summaries are posted"
DOCTOR_NOTIFY_FIX = (
    "Set DIAL_NOTIFY_CHANNEL to the channel's id (in Slack: the channel's details, at the "
    "bottom), and invite the bot there (/invite @dialbot)."
)
DOCTOR_APP_TOKEN_UNSET = "SLACK_APP_TOKEN is not set: HTTP mode, no Socket Mode connection"
DOCTOR_NETWORK_FIX = "Check the URL and that this host can reach it."


def doctor_summary(total: int, failures: list[str], seconds: float) -> str:
    if not failures:
        return f"All {total} checks passed or do not apply ({seconds:.1f} s). No call was placed."
    return (
        f"{len(failures)} of {total} checks failed: {', '.join(failures)} ({seconds:.1f} s). "
        "No call was placed."
    )


def doctor_budget_spent(budget: float) -> str:
    return f"not finished when the doctor's {budget:g} s were up"


def doctor_no_answer(timeout: float) -> str:
    return f"no answer within {timeout:g} s"


def doctor_needs(name: str) -> str:
    return f"not checked: needs “{name}” to pass first"


def doctor_check_crashed(error: str) -> str:
    return f"the check itself failed ({error}); please report it"


def doctor_settings_ok(mode: str, api: str) -> str:
    return f"{mode}; CXONE_API={api}"


def doctor_socket_mode(host: str, port: int) -> str:
    return f"Socket Mode (health and metrics on {host}:{port})"


def doctor_http_mode(host: str, port: int) -> str:
    return f"HTTP mode on {host}:{port}"


def doctor_settings_problems(problems: str) -> str:
    return " ".join(problems.split("\n"))


def doctor_database_current(where: str, revision: str) -> str:
    return f"{where} answers; schema at revision {revision} (current)"


def doctor_database_upgradable(where: str, current: str, head: str) -> str:
    return (
        f"{where} answers; schema at revision {current}, upgraded to {head} at the next start "
        "(or by `dialbot db upgrade`)"
    )


def doctor_database_empty(where: str) -> str:
    return f"{where} answers; no schema yet: it is created at start (or by `dialbot db upgrade`)"


def doctor_sqlite_missing(path: object) -> str:
    return f"no SQLite file at {path} yet: `python app.py` (or `dialbot db upgrade`) creates it"


def doctor_sqlite_no_directory(path: object) -> str:
    return f"the directory of the SQLite file {path} does not exist"


DOCTOR_SQLITE_DIRECTORY_FIX = "Create the directory, or set DATABASE_URL."


def doctor_slack_identity(user: str, user_id: str, team: str, team_id: str) -> str:
    return f"auth.test: the bot @{user} ({user_id}) in {team} ({team_id})"


def doctor_slack_refused(what: str, error: str) -> str:
    return f"Slack refused the {what} ({error})"


def doctor_slack_unreachable(url: str, reason: str) -> str:
    return f"could not reach Slack at {url} ({reason})"


DOCTOR_NOT_A_BOT_TOKEN = "SLACK_BOT_TOKEN works but is not a bot token (auth.test names no bot)"


def doctor_scopes_ok(scopes: list[str]) -> str:
    return f"the bot token has every scope manifest.yml asks for ({', '.join(scopes)})"


def doctor_scopes_missing(missing: list[str]) -> str:
    return f"the bot token lacks {', '.join(missing)}"


DOCTOR_APP_TOKEN_OK = "apps.connections.open: Slack opens Socket Mode connections for it"


def doctor_cxone_token_ok(token_url: str, client_id: str) -> str:
    return f"{token_url} issued a token to OAuth client '{client_id}'"


def doctor_notify_ok(name: str, channel_id: str, private: bool) -> str:
    kind = "private channel" if private else "channel"
    return f"{kind} #{name} ({channel_id}); the bot is a member"


def doctor_notify_not_member(name: str, channel_id: str) -> str:
    return f"the bot is not in #{name} ({channel_id}), so it cannot post summaries there"


def doctor_notify_invite(name: str) -> str:
    return f"Invite it: /invite @dialbot in #{name}."


def doctor_notify_not_found(channel_id: str) -> str:
    return f"Slack knows no channel {channel_id} that the bot can see (channel_not_found)"


def doctor_scope_needed(needed: str) -> str:
    return f"the bot token lacks {needed}, which looking the channel up needs (missing_scope)"


# --- dialbot doctor: agent mode's sign-in and API host, the admin reads ---------------
# Never a secret in any of these either.


def doctor_agent_token_ok(token_url: str, key_id: str, client_id: str) -> str:
    return f"{token_url} issued a token to access key '{key_id}' (application '{client_id}')"


def doctor_api_host_discovered(tenant_id: str, from_setting: bool, host: str) -> str:
    source = "CXONE_TENANT_ID" if from_setting else "from the id_token"
    return f"tenant {tenant_id} ({source}) is served at {host} (discovered)"


def doctor_api_host_set(host: str, tenant_id: str | None) -> str:
    tenant = f"tenant {tenant_id}" if tenant_id else "the tenant is not named"
    return f"CXONE_BASE_URL={host} overrides discovery; {tenant}"


DOCTOR_AGENTS_NOT_APPLY = (
    "does not apply: DIAL_AGENT_STATE_CHECK=off and DIAL_LINK_BY_EMAIL=false, so no dial "
    "reads agents"
)
DOCTOR_STATE_NOT_APPLY = "does not apply: DIAL_AGENT_STATE_CHECK=off, so no dial reads a state"
DOCTOR_STATE_NO_AGENT = "not checked: CXone found no active agent whose state could be read"


def doctor_agents_ok(url: str, count: int) -> str:
    if count == 0:
        return f"GET {url} answered: no active agents (HTTP 204)"
    return f"GET {url} answered: {count} active agent(s) on the first page"


def doctor_state_ok(url: str, agent_id: str, state_name: str) -> str:
    return f"GET {url} answered: agent {agent_id} is {state_name}"


def doctor_read_failed(url: str, detail: str, correlation_id: str | None) -> str:
    seen = f" (CorrelationId {correlation_id})" if correlation_id else ""
    return f"GET {url}: {detail}{seen}"


# The fix for a failed admin read, in one phrase (bot.cxone.admin.ReadFailure -> words);
# {what} is "agent states" or "agents", {version} CXONE_API_VERSION.
DOCTOR_READ_FIXES = {
    "unauthorized": "CXone refused the bot's token even when fresh: check that the API "
    "user (or OAuth client) is active in CXone.",
    "forbidden": "The API user's role lacks the right to read {what}: grant it in CXone "
    "Admin (the role's permissions), then run dialbot doctor again.",
    "not_found": "This tenant has no such API, or CXONE_API_VERSION ({version}) is wrong: "
    "check the version the tenant serves.",
    "server_error": "CXone answered with an error: try again in a minute, and if it lasts "
    "give NICE support the CorrelationId.",
    "timeout": "CXone did not answer in time: check the network between this host and the "
    "API host.",
    "unreachable": "Check the API host's address (CXONE_BASE_URL, or discovery) and that "
    "this host can reach it.",
    "rate_limited": "CXone is limiting requests: try again in a minute.",
    "no_token": "",  # the sign-in's own sentence names the setting
    "malformed": "Check that CXONE_BASE_URL (or discovery) names the tenant's API host.",
    "refused": "Check that CXONE_BASE_URL (or discovery) names the tenant's API host.",
}


# --- issue 12: the agent's CXone state before a dial, and links by email ----------------

# What a CXone agent state means, as the end of "Alice …" (agentStateName -> words).
AGENT_STATE_WORDS = {
    "Available": "is Available in CXone",
    "Unavailable": "is Unavailable in CXone",
    "LoggedOut": "is logged out of CXone",
    "LoggedIn": "is logged in to CXone but not Available yet",
    "InboundContact": "is on an inbound call",
    "OutboundContact": "is on an outbound call",
    "InboundConsult": "is on an inbound consult call",
    "OutboundConsult": "is on an outbound consult call",
    "Dialer": "is on a dialer call",
}
# The same for the App Home's "Your agent is *…* in CXone."
AGENT_STATE_SHORT = {
    "Available": "Available",
    "Unavailable": "Unavailable",
    "LoggedOut": "logged out",
    "LoggedIn": "logged in, not Available yet",
    "InboundContact": "on an inbound call",
    "OutboundContact": "on an outbound call",
    "InboundConsult": "on an inbound consult call",
    "OutboundConsult": "on an outbound consult call",
    "Dialer": "on a dialer call",
}
# The kind of contact a busy state is, for "wait for that … to end".
BUSY_CONTACT_KINDS = {
    "InboundContact": "inbound call",
    "OutboundContact": "outbound call",
    "InboundConsult": "inbound consult call",
    "OutboundConsult": "outbound consult call",
    "Dialer": "dialer call",
}

# How the person tries again, by where the refusal is read.
RETRY_COMMAND = "run /dial again"
RETRY_PRESS = "press Dial again"
RETRY_MODAL = "submit the form again"
RETRY_SHORTCUT = "use the shortcut again"

# Why a state could not be read, in one phrase (bot.cxone.admin.ReadFailure -> words).
STATE_UNREAD_PHRASES = {
    "timeout": "CXone did not answer in time",
    "unreachable": "CXone could not be reached",
    "server_error": "CXone answered with an error",
    "unauthorized": "CXone did not accept the bot's sign-in",
    "no_token": "the bot could not sign in to CXone",
    "forbidden": "the bot's CXone user may not read agent states",
    "not_found": "CXone has no state API or no such agent here",
    "rate_limited": "CXone is limiting requests",
    "malformed": "CXone's answer could not be read",
    "refused": "CXone refused the request",
}


def state_words(state_name: str, description: str | None = None, *, is_acw: bool = False) -> str:
    """The end of "Alice …" for a CXone state: "is on an inbound call"."""
    name = quote_for_slack(state_name, limit=40)
    words = AGENT_STATE_WORDS.get(state_name, f"is in the CXone state {name}")
    if is_acw:
        words = "is in after-call work in CXone"
    if description and state_name == "Unavailable":
        words += f" ({quote_for_slack(description, limit=60)})"
    return words


def state_short(state_name: str, description: str | None = None) -> str:
    """The App Home's words for a state: "logged out", "Unavailable (Lunch)"."""
    words = AGENT_STATE_SHORT.get(state_name, state_name)
    if description and state_name == "Unavailable":
        words += f" ({description})"
    return words


def _subject(agent_user_id: str, requester_id: str) -> tuple[str, str, str]:
    """(who, is/are, their/your) for a sentence about the agent."""
    if agent_user_id == requester_id:
        return "You", "are", "your"
    return mention(agent_user_id), "is", "their"


def agent_not_ready(
    agent_user_id: str,
    requester_id: str,
    state_name: str,
    description: str | None,
    retry: str,
) -> str:
    """A block refusal: the state, and what to do (the busy states name the contact)."""
    who, _, their = _subject(agent_user_id, requester_id)
    words = state_words(state_name, description)
    if who == "You":
        words = words.replace("is ", "are ", 1)
    ask = "" if who == "You" else "ask them to "
    if state_name == "LoggedOut":
        todo = f"{ask}log in to {their} agent application and go Available"
    elif state_name in BUSY_CONTACT_KINDS:
        todo = f"wait for that {BUSY_CONTACT_KINDS[state_name]} to end"
    else:
        todo = f"{ask}go Available in {their} agent application"
    return f"{who} {words}, so no call was placed: {todo}, then {retry}."


def state_line_ready(agent_name: str, words: str) -> str:
    return f":large_green_circle: {agent_name} {words}."


def state_line_not_ready(agent_name: str, words: str) -> str:
    """warn mode: shown, never refused."""
    return (
        f":warning: {agent_name} {words}: the call may not reach them. "
        "Press Dial only if you mean to."
    )


def state_line_unread(agent_name: str, why: str) -> str:
    return (
        f":grey_question: {agent_name}'s CXone state could not be checked ({why}); "
        "the dial may go on."
    )


def state_line_not_yet(agent_name: str) -> str:
    return f":hourglass: {agent_name}'s CXone state not checked yet: Dial checks it."


# The state the record keeps when none was read (DIAL_AGENT_STATE_CHECK=off).
LOG_STATE_READ = "agent %s state %s (read %.0f ms ago)"
LOG_STATE_UNREAD = "agent %s state could not be read: %s (%s)"
LOG_STATE_NOT_YET = "agent %s state not answered within %.0f ms; the card says not checked yet"

LOG_EMAIL_MATCH = "email match for %s: %s (agents %s)"


def email_problem(kind: str, email: str | None, agent_ids: Iterable[str], detail: str = "") -> str:
    """Why an email matched no single active CXone agent, as a clause."""
    shown = f"`{quote_for_slack(email, limit=120)}`" if email else ""
    ids = ", ".join(f"`{quote_for_slack(i, limit=40)}`" for i in agent_ids)
    if kind == "no_email":
        return (
            "Slack gave the bot no email address for this person (the app needs the "
            "users:read.email scope; bots and guests may have none)"
        )
    if kind == "several":
        return f"several active CXone agents have the email {shown} ({ids})"
    if kind == "inactive_only":
        return f"the only CXone agent with the email {shown} ({ids}) is inactive"
    if kind == "unreadable":
        return detail or "the lookup by email could not be done"
    if kind == "unlinked":
        return "an admin unlinked this person, and an email match does not undo that"
    if kind == "slow":
        return "looking them up by email is taking a while; try again in a few seconds"
    return f"no active CXone agent has the email {shown}"


def linked_by_email(user_id: str, agent_id: str, email: str) -> str:
    return (
        f"Linked {mention(user_id)} to CXone agent `{agent_id}`, the one active agent "
        f"with their email `{quote_for_slack(email, limit=120)}`. "
        "They can now run `/dial NUMBER` to call as that agent."
    )


def link_by_email_failed(user_id: str, problem: str) -> str:
    return (
        f"Nothing was linked: {problem}. To link {mention(user_id)} anyway, "
        "give their agent id: `/dial link @user AGENT_ID`."
    )


def not_linked_by_email(admins: Iterable[str], problem: str) -> str:
    """DIAL_LINK_BY_EMAIL: today's "not linked" answer, plus why email did not do it."""
    return f"{not_linked(admins)} Linking you by your Slack email did not work: {problem}."


def sync_no_match(kind: str, agent_ids: Iterable[str]) -> str:
    ids = ", ".join(agent_ids)
    if kind == "several":
        return f"several active agents have this email ({ids})"
    if kind == "inactive_only":
        return f"only inactive agents have this email ({ids})"
    return "no CXone agent has this email"


def sync_kept_link(current: str, matched: str) -> str:
    return f"linked to {current} already; the email matches {matched}"


SYNC_KEPT_UNLINK = "unlinked by a person; the email match does not undo that"

SLACK_EMAIL_UNREADABLE = "Slack did not answer when the bot asked for the email address"


def cxone_agents_unreadable(phrase: str) -> str:
    return f"CXone's agent list could not be read ({phrase})"


NO_AGENT_DIRECTORY = (
    "This bot has no CXone agent list to look people up by email in, so nothing was linked. "
    "Give the agent id: `/dial link @user AGENT_ID`."
)


def cli_sync_slack_failed(why: str) -> str:
    return (
        f"Slack's users.list failed ({why}), so nothing was linked. Check SLACK_BOT_TOKEN, "
        "SLACK_API_URL and that the app has the users:read and users:read.email scopes."
    )


def cli_sync_cxone_failed(kind: str, detail: str) -> str:
    return (
        f"CXone's agent list could not be read ({kind}: {detail}), so nothing was linked. "
        "Check CXONE_BASE_URL, CXONE_API_VERSION and the OAuth client's rights."
    )


def cli_sync_summary(counts: dict[str, int], members: int, without_email: int, apply: bool) -> str:
    what = "Linking" if apply else "Dry run (add --apply to link)"
    summary = (
        f"{what}: {counts.get('link', 0)} to link, {counts.get('unchanged', 0)} linked to their "
        f"match already, {counts.get('kept', 0)} kept as they are, {counts.get('skipped', 0)} "
        f"without one matching agent; {members} Slack members read"
    )
    if without_email:
        summary += f", {without_email} without an email (is users:read.email granted?)"
    return summary + "."


def cli_sync_applied(linked: int) -> str:
    return f"Linked {linked} {'person' if linked == 1 else 'people'} by email."


# --- agent mode (CXONE_API=agent, issue 13): sign-in, placing, following ------------
# Sentences for the admin name the setting to check and never quote a secret.

_NO_CALL = "No call was placed."


def agent_discovery_failed(url: str, what_happened: str) -> str:
    return (
        f"CXone's discovery document at {url} could not be read ({what_happened}), so no "
        f"call was placed. An admin should check CXONE_AUTH_URL (or set CXONE_TOKEN_URL "
        "to the token endpoint)."
    )


def agent_client_refused(token_url: str, client_id: str, detail: str) -> str:
    return (
        f"CXone's token endpoint at {token_url} refused the application '{client_id}'"
        f"{detail}, so no call was placed. An admin should check CXONE_OAUTH_CLIENT_ID and "
        "CXONE_OAUTH_CLIENT_SECRET against the application registered in CXone."
    )


def agent_key_refused(token_url: str, key_id: str, detail: str) -> str:
    return (
        f"CXone's token endpoint at {token_url} refused the access key '{key_id}'{detail}, "
        "so no call was placed. An admin should check CXONE_ACCESS_KEY_ID and "
        "CXONE_ACCESS_KEY_SECRET, and that the key and its API user are active in CXone."
    )


def agent_grant_refused(token_url: str, client_id: str, detail: str) -> str:
    return (
        f"CXone's token endpoint at {token_url} does not allow the password grant for the "
        f"application '{client_id}'{detail}, so no call was placed. An admin should check "
        "CXONE_OAUTH_CLIENT_ID names an application registered for back-end access keys."
    )


def agent_token_failed(token_url: str, status: int, detail: str) -> str:
    return (
        f"CXone's token endpoint at {token_url} answered HTTP {status}{detail}, so no call "
        "was placed. An admin should check CXONE_AUTH_URL and CXONE_TOKEN_URL."
    )


def token_unavailable(token_url: str, attempts: int, what_happened: str, check: str) -> str:
    """Both modes' token endpoint out of reach; `check` names the settings that find it."""
    return (
        f"CXone's token endpoint at {token_url} did not answer usefully after {attempts} "
        f"attempts ({what_happened}), so no call was placed; check {check} or try again in "
        "a minute."
    )


def agent_token_unavailable(token_url: str, attempts: int, what_happened: str) -> str:
    return token_unavailable(token_url, attempts, what_happened, "CXONE_AUTH_URL / CXONE_TOKEN_URL")


def agent_token_missing(token_url: str) -> str:
    return (
        f"CXone's token endpoint at {token_url} answered without an access token, so no "
        "call was placed. An admin should check CXONE_TOKEN_URL (or CXONE_AUTH_URL)."
    )


AGENT_NO_TENANT = (
    "CXone's token answer carried no tenantId, so the bot cannot find the tenant's API "
    f"host. {_NO_CALL} An admin should set CXONE_TENANT_ID, or CXONE_BASE_URL to the "
    "tenant's API host."
)


def agent_tenant_unknown(url: str, tenant_id: str, detail: str) -> str:
    return (
        f"CXone's discovery at {url} does not know the tenant '{tenant_id}'{detail}. "
        f"{_NO_CALL} An admin should check CXONE_TENANT_ID and CXONE_AUTH_URL (government "
        "and sovereign clouds have their own), or set CXONE_BASE_URL to the API host."
    )


def agent_logged_out(agent_id: str, detail: str) -> str:
    return (
        f"CXone would not join agent {agent_id}'s session{detail}: the agent is not logged "
        f"in. {_NO_CALL} The agent should log in to CXone (MAX or the agent app) with their "
        "phone, then dial again."
    )


def agent_no_outbound_skill(agent_id: str) -> str:
    return (
        f"CXone agent {agent_id} has no outbound phone skill, so there is nothing to dial "
        f"with. {_NO_CALL} An admin should assign the agent an outbound phone skill in CXone "
        "(ACD > Skills), or set CXONE_OUTBOUND_SKILL_ID."
    )


def agent_skills_unread(agent_id: str, detail: str) -> str:
    return (
        f"The bot could not read CXone agent {agent_id}'s skills{detail}, so it does not "
        f"know which outbound skill to dial with. {_NO_CALL} Try again in a minute, or an "
        "admin can set CXONE_OUTBOUND_SKILL_ID."
    )


def agent_skill_not_allowed(agent_id: str, skill_id: str, detail: str) -> str:
    return (
        f"CXone refused to dial with skill {skill_id} for agent {agent_id}{detail}. "
        f"{_NO_CALL} An admin should assign the agent that outbound phone skill in CXone, "
        "or set CXONE_OUTBOUND_SKILL_ID to one the agent has; check the number too."
    )


def agent_no_impersonation(agent_id: str, detail: str) -> str:
    return (
        f"CXone refused to let the bot's API user act for agent {agent_id}{detail}. "
        f"{_NO_CALL} An admin should give the access key's user a role with the right to "
        "act as other agents (Agent API impersonation) in CXone, or use a key whose user "
        "may do so."
    )


def agent_session_ended(agent_id: str, detail: str) -> str:
    return (
        f"Agent {agent_id}'s CXone session ended while the bot was dialing{detail}. "
        f"{_NO_CALL} The agent should check they are still logged in to CXone, then dial "
        "again."
    )


def agent_unknown(agent_id: str, detail: str) -> str:
    return (
        f"CXone does not know agent {agent_id}{detail}. {_NO_CALL} An admin should check "
        "the person's link (/dial whois) against the agent's id in CXone."
    )


def agent_join_failed(agent_id: str, detail: str) -> str:
    return (
        f"CXone could not join agent {agent_id}'s session{detail}. {_NO_CALL} Try again in "
        "a minute."
    )


def agent_dial_refused(status: int, detail: str) -> str:
    return (
        f"CXone refused the dial-phone request with HTTP {status}{detail}. {_NO_CALL} Check "
        "the number and that the agent is free, then try again."
    )


AGENT_BUSY = (
    "CXone says the agent is already on a call. No call was placed. Wait for that call to "
    "end, then dial again."
)


# progress of a followed call (thread reply, card, notification)

DISCONNECT_WORDS = {
    "busy": "the line was busy",
    "noanswer": "nobody answered",
    "no answer": "nobody answered",
    "invalidnumber": "the number does not exist",
    "invalid number": "the number does not exist",
    "rejected": "the call was refused",
    "agentdisconnected": "the agent hung up before it connected",
    "fax": "a fax machine answered",
    "answeringmachine": "an answering machine answered",
    "networkerror": "the phone network failed",
}


def disconnect_words(code: str | None) -> str:
    """CXone's DisconnectCode in words."""
    if not code:
        return "CXone gave no reason"
    known = DISCONNECT_WORDS.get(code.strip().lower())
    return known or f"CXone's disconnect code {quote_for_slack(code)}"


def duration_words(seconds: float) -> str:
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    return f"{whole // 60} min {whole % 60:02d} s"


PROGRESS_RINGING = ":bell: Ringing the agent's phone, then the number…"
PROGRESS_CONNECTED = ":telephone_receiver: Connected."


def progress_ended(duration_seconds: float) -> str:
    return f":white_check_mark: Call ended after {duration_words(duration_seconds)} connected."


def progress_failed(reason_words: str) -> str:
    return f":x: The call did not connect: {reason_words}."


def progress_stopped(reason: str) -> str:
    return f":eyes: Stopped following the call: {reason} The call itself may still be going."


STOPPED_SESSION_ENDED = "the agent's CXone session ended (logged out)."
STOPPED_REPEATED_ERRORS = "CXone kept failing to answer the bot's event reads."
STOPPED_WINDOW = "DIAL_FOLLOW_CALL_SECONDS ran out."
STOPPED_NO_SESSION = "the bot does not know the call's CXone session."


def outcome_progress(placed_text: str, progress_text: str) -> str:
    return f"{placed_text}\n{progress_text}"


LOG_FOLLOW_START = "following the call in session %s (until %s)"
LOG_FOLLOW_EVENT = "call progress: %s"
LOG_FOLLOW_STOPPED = "stopped following: %s"
LOG_FOLLOW_LEASE_LOST = "another replica follows this call now; stopping here"


# --- retention (issue 16: DIAL_RETENTION_DAYS, `dialbot history prune`) ----------------


def cli_pruned(removed: int, cutoff: datetime, dry_run: bool) -> str:
    rows = f"{removed:,} finished dial request{'' if removed == 1 else 's'}"
    before = f"created before {cutoff:%Y-%m-%d %H:%M} UTC"
    if dry_run:
        return f"Would delete {rows} {before} (--dry-run: nothing was changed)."
    return f"Deleted {rows} {before}. Pending and dialing requests were kept."


CLI_PRUNE_SKIPPED = (
    "Another process (a dialbot replica's retention pass, or another prune) is pruning "
    "right now, so nothing was deleted. Try again in a minute."
)

LOG_PRUNED = (
    "retention: deleted %d finished dial requests created before %s UTC "
    "(DIAL_RETENTION_DAYS=%g) in %.1f s"
)
LOG_PRUNE_SKIPPED = "retention: another replica is running the pass; skipped this one"


def cli_not_days(text: str) -> str:
    return f"{text!r} is not a number of days above 0 (for example 90)"

"""The /dial grammar: every form people type, and a named problem for everything else."""

import pytest

from bot.parsing import (
    USAGE,
    DialCommand,
    HelpCommand,
    LinkCommand,
    OpenModalCommand,
    UnlinkCommand,
    UsageError,
    UserRef,
    WhoisCommand,
    parse_command,
    quote_for_slack,
)

ALICE = UserRef(user_id=None, name="alice")
ALICE_ESCAPED = UserRef(user_id="U0123ABCD", name="alice")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenModalCommand()),
        ("   ", OpenModalCommand()),
        ("\t \n", OpenModalCommand()),
        ("\x00\x00", HelpCommand()),  # only control characters: how to use it
        ("\u200b", HelpCommand()),
        ("help", HelpCommand()),
        ("HELP", HelpCommand()),
        ("+14155550123", DialCommand("+14155550123", None, None)),
        ("+1 415 555 0123", DialCommand("+1 415 555 0123", None, None)),
        ("+1 (415) 555-0123", DialCommand("+1 (415) 555-0123", None, None)),
        ("415.555.0123", DialCommand("415.555.0123", None, None)),
        ("  415   555\t0123  ", DialCommand("415 555 0123", None, None)),
        ("+1 415 555 0123 as @alice", DialCommand("+1 415 555 0123", ALICE, None)),
        (
            "+1 415 555 0123 as <@U0123ABCD|alice>",
            DialCommand("+1 415 555 0123", ALICE_ESCAPED, None),
        ),
        (
            "4155550123 as <@W0123ABCD>",
            DialCommand("4155550123", UserRef("W0123ABCD", None), None),
        ),
        ("4155550123 contact C-77", DialCommand("4155550123", None, "C-77")),
        (
            "+1 415 555 0123 as @alice contact C-77",
            DialCommand("+1 415 555 0123", ALICE, "C-77"),
        ),
        (
            "+1 415 555 0123 contact C-77 as @alice",
            DialCommand("+1 415 555 0123", ALICE, "C-77"),
        ),
        (
            "+1 415 555 0123 CONTACT C-77 As <@U0123ABCD|alice>",
            DialCommand("+1 415 555 0123", ALICE_ESCAPED, "C-77"),
        ),
        (
            "4155550123 as @Alice.Smith",
            DialCommand("4155550123", UserRef(None, "alice.smith"), None),
        ),
        ("4155550123 as @alice-b", DialCommand("4155550123", UserRef(None, "alice-b"), None)),
        ("4155550123 as @alice_b", DialCommand("4155550123", UserRef(None, "alice_b"), None)),
        ("4155550123 contact a.b:c;d_e-1", DialCommand("4155550123", None, "a.b:c;d_e-1")),
        # Extensions and vanity letters are left for check_number to judge.
        ("415 555 0123 ext 12", DialCommand("415 555 0123 ext 12", None, None)),
        ("1-800-FLOWERS", DialCommand("1-800-FLOWERS", None, None)),
        ("tel:+14155550123", DialCommand("tel:+14155550123", None, None)),
        # Slack may turn a typed number into a tel: link.
        (
            "<tel:+14155550123|+1 415 555 0123> as @alice",
            DialCommand("+14155550123", ALICE, None),
        ),
        ("４１５５５５０１２３", DialCommand("４１５５５５０１２３", None, None)),
        # Control characters count as spaces; invisible format characters vanish.
        ("\x00415\n555\x1b0123\u200b", DialCommand("415 555 0123", None, None)),
        ("link @alice 12345", LinkCommand(ALICE, "12345")),
        ("link @alice", LinkCommand(ALICE, None)),
        ("LINK <@U0123ABCD|alice> 12345", LinkCommand(ALICE_ESCAPED, "12345")),
        (
            "link <@U0123ABCD> 2f1c0e9a-6b1d-4c3e-9a55-0f3e8d6f1a2b",
            LinkCommand(UserRef("U0123ABCD", None), "2f1c0e9a-6b1d-4c3e-9a55-0f3e8d6f1a2b"),
        ),
        ("unlink @alice", UnlinkCommand(ALICE)),
        ("unlink <@U0123ABCD|alice>", UnlinkCommand(ALICE_ESCAPED)),
        ("whois", WhoisCommand(None)),
        ("whois @alice", WhoisCommand(ALICE)),
        ("Whois <@U0123ABCD|alice>", WhoisCommand(ALICE_ESCAPED)),
    ],
)
def test_grammar_forms(text, expected):
    assert parse_command(text) == expected


def _problem(text: str) -> str:
    result = parse_command(text)
    assert isinstance(result, UsageError), result
    return result.problem


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("lnk @bob 123", "I don't know the command “lnk”"),
        ("dial 4155550123", "I don't know the command “dial”"),
        ("@alice 4155550123", "Put the phone number first"),
        ("<@U0123ABCD|alice> 4155550123", "Put the phone number first"),
        ("as @alice", "The phone number is missing"),
        ("contact C-77", "The phone number is missing"),
        ("4155550123 @alice", "Put `as` before the agent"),
        ("4155550123 please", "I didn't understand “please” in the number"),
        ("415-555-0123!", "has characters a phone number can't have"),
        ("( ) -", "has no digits"),
        ("4155550123 as", "`as` needs the agent after it"),
        ("4155550123 as contact C-1", "`as` needs the agent after it"),
        ("4155550123 as alice", "After `as`, name the agent with @"),
        ("4155550123 as @alice @bob", "I didn't understand “@bob”"),
        ("4155550123 as @alice as @bob", "`as` appears twice"),
        ("4155550123 contact", "`contact` needs a contact id"),
        ("4155550123 contact C-1 contact C-2", "`contact` appears twice"),
        ("4155550123 contact C/77", "“C/77” isn't a contact id I can send"),
        ("4155550123 contact " + "c" * 65, "isn't a contact id I can send"),
        ("4155550123 contact C-1 junk", "I didn't understand “junk”"),
        ("4155550123 as @here", "@here isn't one person"),
        ("4155550123 as <!channel>", "@channel, @here and @everyone can't be dialed"),
        ("<!here>", "@channel, @here and @everyone can't be dialed"),
        ("<#C0123|general>", "That's a channel"),
        ("<https://example.com|click>", "That looks like a link"),
        ("link", "`link` needs a person and their CXone agent id"),
        ("link alice 12345", "Name the person with @"),
        ("link @alice 12/45", "“12/45” isn't a CXone agent id"),
        ("link @alice " + "1" * 65, "isn't a CXone agent id"),
        ("link @alice &lt;12345&gt;", "type it without the angle brackets"),
        ("link @alice 12345 extra", "`link` takes a person and one agent id"),
        ("link @everyone 12345", "@everyone isn't one person"),
        ("unlink", "`unlink` needs the person to unlink"),
        ("unlink alice", "Name the person with @"),
        ("unlink @alice @bob", "`unlink` takes one person"),
        ("whois alice", "Name the person with @"),
        ("whois @alice @bob", "`whois` takes at most one person"),
        ("1" * 501, "That command is too long"),
    ],
)
def test_usage_errors_name_the_problem(text, names):
    assert names in _problem(text)


def test_very_long_command_is_refused_with_its_length():
    assert _problem("4" * 10_000).startswith("That command is too long (10,000 characters)")


def test_problems_quote_user_text_without_live_markup():
    problem = _problem("4155550123 contact <!channel>")
    assert "<!channel>" not in problem
    assert "&lt;!channel&gt;" in problem

    problem = _problem("link @alice <http://evil.example|x>")
    assert "<http" not in problem

    problem = _problem("4155550123 contact C\x1b[2J\x07&amp;")
    assert "\x1b" not in problem and "\x07" not in problem


def test_problem_quotes_are_trimmed():
    problem = _problem("whois " + "x" * 400)
    assert "x" * 41 not in problem
    assert "…" in problem


def test_escaped_mention_with_odd_label_keeps_the_user_id_only():
    result = parse_command("whois <@U0123ABCD|a&amp;b\x07!>")
    assert result == WhoisCommand(UserRef("U0123ABCD", None))


def test_usage_lists_every_form_with_an_example_and_no_slack_markup():
    for form in ("/dial NUMBER", "as @agent", "contact", "link @user", "unlink @user", "whois"):
        assert form in USAGE
    assert "Example: `/dial +1 415 555 0123 as @alice contact C-77`" in USAGE
    assert "<" not in USAGE and ">" not in USAGE
    assert parse_command("+1 415 555 0123 as @alice contact C-77") == DialCommand(
        "+1 415 555 0123", ALICE, "C-77"
    )


@pytest.mark.parametrize(
    ("text", "limit", "quoted"),
    [
        ("<!channel> & <@U1>", 80, "&lt;!channel&gt; &amp; &lt;@U1&gt;"),
        ("a\x00b\x1bc\nd", 80, "a b c d"),
        ("  spaced   out  ", 80, "spaced out"),
        ("abcdefghij", 5, "abcd…"),
        ("x" * 10_000, 80, "x" * 79 + "…"),
        ("right\u202eto-left", 80, "rightto-left"),
        ("anything", 0, ""),
    ],
)
def test_quote_for_slack(text, limit, quoted):
    assert quote_for_slack(text, limit) == quoted


def test_parse_command_never_raises_for_non_text():
    assert parse_command(None) == OpenModalCommand()  # type: ignore[arg-type]
    assert isinstance(parse_command(12345), DialCommand)  # type: ignore[arg-type]

"""Settings: what an admin sees when the environment is incomplete or wrong."""

import pytest
import yaml

from bot.config import ConfigError, Settings, load_settings

REQUIRED = {
    "SLACK_BOT_TOKEN": "xoxb-test-bot-token",
    "SLACK_SIGNING_SECRET": "signing-secret-value",
    "CXONE_BASE_URL": "https://api-us-2.cxone.com/",
    "CXONE_OAUTH_CLIENT_ID": "client-id-1",
    "CXONE_OAUTH_CLIENT_SECRET": "client-secret-value",
    "CXONE_OUTBOUND_CAMPAIGN_ID": "campaign-1",
}


@pytest.fixture
def env(monkeypatch, tmp_path):
    """A clean environment in an empty directory (no stray .env)."""
    monkeypatch.chdir(tmp_path)
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults_follow_the_interface(env):
    settings = load_settings()
    assert settings.cxone_base_url == "https://api-us-2.cxone.com"
    assert settings.token_url == "https://api-us-2.cxone.com/oauth/token"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.cxone_oauth_grant_type == "client_credentials"
    assert settings.cxone_http_timeout == 10
    assert settings.database_url == "sqlite:///dialbot.db"
    assert settings.dial_allowed_regions == {"US"}
    assert settings.dial_mask_numbers is True
    assert settings.dial_confirm_ttl_seconds == 600
    assert settings.dial_rate_limit_per_minute == 5
    assert settings.socket_mode is False


def test_missing_variable_is_named_in_one_line(env):
    env.delenv("CXONE_BASE_URL")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert message.count("\n") == 0
    assert message.startswith("CXONE_BASE_URL is not set")
    assert "base URL of your CXone API" in message


def test_every_missing_variable_gets_its_own_line(env):
    env.delenv("CXONE_OAUTH_CLIENT_ID")
    env.delenv("SLACK_BOT_TOKEN")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    lines = str(raised.value).splitlines()
    assert sorted(line.split()[0] for line in lines) == [
        "CXONE_OAUTH_CLIENT_ID",
        "SLACK_BOT_TOKEN",
    ]


def test_http_mode_needs_a_signing_secret_socket_mode_does_not(env):
    env.delenv("SLACK_SIGNING_SECRET")
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET is not set"):
        load_settings()
    env.setenv("SLACK_APP_TOKEN", "xapp-1-test")
    assert load_settings().socket_mode is True


def test_invalid_values_name_the_variable(env):
    env.setenv("CXONE_BASE_URL", "api-us-2.cxone.com")
    env.setenv("PORT", "not-a-port")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert "CXONE_BASE_URL is not valid (must start with http:// or https://)" in message
    assert "PORT is not valid" in message


def test_comma_lists_and_regions(env):
    env.setenv("DIAL_ADMINS", "U1, U2,,")
    env.setenv("DIAL_SUPERVISORS", "U3")
    env.setenv("DIAL_DEFAULT_REGION", "gb")
    settings = load_settings()
    assert settings.dial_admins == {"U1", "U2"}
    assert settings.dial_supervisors == {"U3"}
    assert settings.dial_default_region == "GB"
    assert settings.dial_allowed_regions == {"GB"}
    env.setenv("DIAL_ALLOWED_REGIONS", "us, ca")
    assert load_settings().dial_allowed_regions == {"US", "CA"}


def test_dotenv_file_is_read_and_the_environment_wins(env, tmp_path):
    (tmp_path / ".env").write_text("DIAL_NOTIFY_CHANNEL=C0FILE\nPORT=4000\n")
    env.setenv("PORT", "5000")
    settings = load_settings()
    assert settings.dial_notify_channel == "C0FILE"
    assert settings.port == 5000


def test_secrets_are_hidden_in_repr_and_errors(env):
    settings = load_settings()
    shown = repr(settings) + str(settings)
    for secret in ("xoxb-test-bot-token", "signing-secret-value", "client-secret-value"):
        assert secret not in shown
    env.setenv("CXONE_HTTP_TIMEOUT", "-1")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "client-secret-value" not in str(raised.value)


def test_env_example_and_manifest_cover_the_interface():
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parent.parent
    example = (root / ".env.example").read_text()
    for name in Settings.model_fields:
        assert re.search(rf"^#? *{name.upper()}=", example, re.M), name
    manifest = yaml.safe_load((root / "manifest.yml").read_text())
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/dial" and command["should_escape"] is True
    shortcuts = {s["callback_id"]: s["type"] for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {"dial_from_message": "message", "dial_place_call": "global"}
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {
        "commands",
        "chat:write",
        "users:read",
        "users:read.email",
        "channels:read",  # dialbot doctor: conversations.info on DIAL_NOTIFY_CHANNEL
        "groups:read",
    }
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"]
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_the_manifest_documents_the_http_request_url_for_events_too():
    import pathlib

    manifest = (pathlib.Path(__file__).resolve().parent.parent / "manifest.yml").read_text()
    events = manifest.split("event_subscriptions:")[1].split("bot_events")[0]
    assert "# request_url: https://your-host.example.com/slack/events" in events


# --- retention (issue 16) ---


def test_retention_is_off_unless_set(env):
    assert load_settings().dial_retention_days is None
    env.setenv("DIAL_RETENTION_DAYS", " ")
    assert load_settings().dial_retention_days is None
    env.setenv("DIAL_RETENTION_DAYS", "90")
    assert load_settings().dial_retention_days == 90


@pytest.mark.parametrize("value", ["0", "-1", "ninety"])
def test_a_bad_retention_names_the_variable(env, value):
    env.setenv("DIAL_RETENTION_DAYS", value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert "DIAL_RETENTION_DAYS" in str(error.value)
    assert "finished dial requests are kept" in str(error.value)


# --- issue 11: names close to a setting's ---------------------------------------------


def test_names_close_to_a_setting_are_found_in_the_environment_and_the_env_file(tmp_path):
    from bot.config import near_misses

    env_file = tmp_path / ".env"
    env_file.write_text("DIAL_NOTIFY_CHANEL=C0NOTIFY\nPORT=3000\n")
    environ = {
        "DIAL_ADMIN": "U0ADMIN",
        "CXONE_CLIENT_ID": "x",
        "LOGLEVEL": "DEBUG",
        # Not ours, and not to be warned about:
        "SLACK_CLIENT_SECRET": "bolt-oauth",
        "HOSTNAME": "box",
        "HOSTS": "a,b",
        "PATH": "/bin",
        "DIAL_ADMINS": "U0ADMIN",
    }

    found = near_misses(environ, env_file)

    assert [sentence.split()[0] for sentence in found] == [
        "CXONE_CLIENT_ID",
        "DIAL_ADMIN",
        "LOGLEVEL",
        "DIAL_NOTIFY_CHANEL",
    ]
    assert "did you mean DIAL_ADMINS?" in found[1] and "(in the environment)" in found[1]
    assert f"(in {env_file})" in found[3] and "DIAL_NOTIFY_CHANNEL" in found[3]


def test_no_env_file_no_near_misses_from_it(tmp_path):
    from bot.config import near_misses

    assert near_misses({}, tmp_path / "missing.env") == []

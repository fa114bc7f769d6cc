"""The bot scopes manifest.yml asks for (tests check that the two agree)."""

BOT_SCOPES = (
    "commands",  # /dial and the shortcuts
    "chat:write",  # the call's post, its thread reply, the DM and the notification
    "users:read",  # names on cards and in the modal; resolving plain @mentions
    "users:read.email",  # linking by email
    "channels:read",  # dialbot doctor: conversations.info on a public DIAL_NOTIFY_CHANNEL
    "groups:read",  # … and on a private one
)

"""Who may read notifications: every signed-in user, their own."""
from tests.sweep import signed_in

EXPECTATIONS = {
    "notifications.index": ("GET", "/notifications/", signed_in()),
    "notifications.mark_read": ("POST", "/notifications/read", signed_in(302)),
}

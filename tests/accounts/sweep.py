"""Who may reach the sign-in pages and the administrators' user pages."""
from tests.sweep import ROLES, only, signed_in

EXPECTATIONS = {
    "auth.login": ("GET", "/auth/login", {"anon": 200, **{r: 302 for r in ROLES}}),
    "auth.logout": ("POST", "/auth/logout", signed_in(302)),
    "auth.change_password": ("GET", "/auth/password", signed_in()),
    "admin.home": ("GET", "/admin/", only("admin")),
    "admin.users": ("GET", "/admin/users", only("admin")),
    "admin.user_new": ("GET", "/admin/users/new", only("admin")),
    "admin.user_edit": ("GET", "/admin/users/{other_user_id}", only("admin")),
    "admin.user_deactivate": ("POST", "/admin/users/{other_user_id}/deactivate", only("admin", ok=302)),
    "admin.user_activate": ("POST", "/admin/users/{other_user_id}/activate", only("admin", ok=302)),
    # an empty form is refused by the administrator's form check, and by the policy for the rest
    "admin.user_role": ("POST", "/admin/users/{other_user_id}/role", only("admin", ok=400)),
    "admin.user_password": ("POST", "/admin/users/{other_user_id}/password", only("admin", ok=400)),
}

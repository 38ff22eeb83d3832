from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from revisit.api.api import api
from revisit.messaging.webhooks import webhook
from revisit.web.views import staff

# A bad query parameter answers the product's 400 page with its message; 403, 404 and 500
# use the templates 403.html, 404.html and 500.html of revisit.web.
handler400 = "revisit.web.errors.bad_request"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(extra_context={"mail_configured": staff.mail_configured}),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset by email (only when mail is configured: see settings.EMAIL_HOST).
    path("accounts/reset/", staff.PasswordReset.as_view(), name="password_reset"),
    path(
        "accounts/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset/done.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        staff.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/password_reset/complete.html"
        ),
        name="password_reset_complete",
    ),
    # The language switcher is on every page, the login page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    # Signed by the organization's webhook secret, not a login or a token.
    path("api/messaging/webhook/<str:org_code>/", webhook, name="messaging_webhook"),
    path("api/", api.urls),
    path("", include("revisit.web.urls")),
]

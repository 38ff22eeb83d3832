from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse


class LoginRequiredExceptApi(LoginRequiredMiddleware):
    """Every page needs a login; the API under /api/ authenticates its own tokens."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class PasswordChangeRequired:
    """After a one-time password (a new account, a reset), every page leads to the
    password change first. The API's tokens are not passwords and are not held back."""

    OPEN_PREFIXES = ("/api/", "/static/", "/i18n/", "/accounts/logout/", "/accounts/password/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path_info.startswith(self.OPEN_PREFIXES)
        ):
            target = reverse("password_change")
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        return self.get_response(request)

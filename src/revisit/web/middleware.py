from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from revisit.imports.limits import too_large


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


class RequestBodyLimit:
    """Refuse a request whose declared body is too large before anything reads it: an
    anonymous client may send only a login form's worth, a signed-in one an import file
    and its form fields. Without a Content-Length Django reads no body at all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= settings.ANONYMOUS_MAX_BODY_BYTES:
            return self.get_response(request)
        anonymous = not request.user.is_authenticated and not request.path_info.startswith("/api/")
        if anonymous:
            limit = settings.ANONYMOUS_MAX_BODY_BYTES
        else:
            limit = settings.IMPORT_MAX_FILE_BYTES + settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length > limit:
            message = (
                _("The request is too large.")
                if anonymous
                else too_large(settings.IMPORT_MAX_FILE_BYTES)
            )
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

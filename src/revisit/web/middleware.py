from django.contrib.auth.middleware import LoginRequiredMiddleware


class LoginRequiredExceptApi(LoginRequiredMiddleware):
    """Every page needs a login; the API under /api/ authenticates its own tokens."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)

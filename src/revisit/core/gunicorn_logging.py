"""Gunicorn's access log without full phone numbers: a number typed into a search is in
the URL, and the URL is in every access line."""

from gunicorn.glogging import Logger

from revisit.core.log_filters import mask_phones


class MaskedLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_phones(v) if isinstance(v, str) else v for k, v in atoms.items()}

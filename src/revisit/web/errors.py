"""The product's own error pages (Django's defaults show no message for a bad request)."""

from django.shortcuts import render

from revisit.web.params import BadParameter


def bad_request(request, exception):
    """400 in the product's style, with the message of a BadParameter (other bad requests
    get a general sentence: their text may hold details meant for a developer)."""
    message = exception.message if isinstance(exception, BadParameter) else None
    return render(request, "400.html", {"message": message}, status=400)

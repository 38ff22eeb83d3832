"""Links to many rows of one kind at the cost of one URL reversal: a page listing dozens
of tasks or customers would otherwise reverse the same pattern for each of them."""

from collections.abc import Callable

from django.urls import reverse

_MARKER = 918_273_645_546_372_819  # an id no row has, to split the reversed URL around


def pk_link(name: str) -> Callable[[int], str]:
    """A function pk -> reverse(name, args=[pk]), for a URL whose only argument is an id."""
    before, after = reverse(name, args=[_MARKER]).split(str(_MARKER))
    return lambda pk: f"{before}{pk}{after}"

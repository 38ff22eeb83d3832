# The browser fixtures, shared by every browser test file under tests/web/.
from tests.web.browser import browser, demo_live  # noqa: F401

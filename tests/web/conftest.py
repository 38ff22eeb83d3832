# The browser fixtures, shared by every browser test file under tests/web/.
from tests.web.browser import browser, chromium, demo_live  # noqa: F401

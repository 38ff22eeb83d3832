"""The demo organization: a realistic medical-aesthetics group for trying Revisit."""

from revisit.demo.generate import (
    DEFAULT_CODE,
    DEMO_PASSWORD,
    DemoExists,
    DemoSummary,
    build_demo,
    demo_logins,
    ensure_demo,
)

__all__ = [
    "DEFAULT_CODE",
    "DEMO_PASSWORD",
    "DemoExists",
    "DemoSummary",
    "build_demo",
    "demo_logins",
    "ensure_demo",
]

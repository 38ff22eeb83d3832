"""The `revisit` command: Django's management commands under the product's name.

`revisit migrate`, `revisit init --org CODE --name NAME`, `revisit demo`,
`revisit import customers FILE`, ...
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revisit.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "revisit"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()

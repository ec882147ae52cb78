"""The `ntb` command: one entry point for every answer and tool of the project."""

import sys


def main() -> int:
    print("ntb: under construction", file=sys.stderr)
    return 2

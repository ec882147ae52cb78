"""The kernel × mode table of README.md, generated from the registry.

python -m kernels.docs   # prints the table; a test keeps README.md in step
"""

from .modes import MODE_INFO
from .registry import MODES, REGISTRY


def modes_table() -> str:
    """Markdown table: one row per mode, a column per kernel, ✓ where supported."""
    header = "| mode | what it runs | " + " | ".join(f"`{k}`" for k in REGISTRY) + " |"
    lines = [header, "|---|---|" + "---|" * len(REGISTRY)]
    for mode in MODE_INFO.values():
        marks = " | ".join("✓" if mode.name in MODES[k] else "" for k in REGISTRY)
        lines.append(f"| `{mode.name}` | {mode.summary} | {marks} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(modes_table())

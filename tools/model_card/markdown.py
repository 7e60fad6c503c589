"""Small markdown helpers: table cells, tables, shell blocks, numbers."""
from __future__ import annotations

from typing import Optional, Sequence


def cell(text: object) -> str:
    """Table-cell text: `|` escaped, `<` as an entity (outputs hold `<unk>`), one line."""
    value = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")
    return " ".join(value.splitlines()) if value.strip() else " "


def table(header: Sequence[str], rows: Sequence[Sequence[object]], align: Optional[str] = None) -> list[str]:
    """A pipe table; `align` is one character per column, `l` or `r`."""
    marks = ["---:" if a == "r" else "---" for a in (align or "l" * len(header))]
    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join(marks) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def shell(command: Optional[str]) -> list[str]:
    if not command:
        return ["(not recorded)"]
    return ["```sh", command, "```"]


def count(n: int) -> str:
    return f"{n:,}"


def millions(n: float) -> str:
    return f"{n / 1e6:.2f}M"

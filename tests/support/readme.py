"""README.md's code blocks: how they are marked, split into commands, and compared with their shown output."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
_FENCE = re.compile(r"^(```+|~~~+)(.*)$")


@dataclass
class Block:
    line: int
    language: str
    markers: set[str]
    text: str


def blocks(markdown: str) -> list[Block]:
    found: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        match = _FENCE.match(lines[index])
        if not match:
            index += 1
            continue
        fence, info = match.group(1), match.group(2).split()
        start = index
        body: list[str] = []
        index += 1
        while index < len(lines) and not lines[index].startswith(fence):
            body.append(lines[index])
            index += 1
        index += 1
        language = info[0] if info else ""
        found.append(Block(start + 1, language, set(info[1:]), "\n".join(body) + "\n"))
    return found


def _squeeze(text: str) -> str:
    """Runs of spaces as one and no trailing blanks, so table column widths do not matter."""
    return "\n".join(re.sub(r"[ \t]+", " ", line).rstrip() for line in text.strip().splitlines())


def expected_output_matches(expected: str, actual: str) -> bool:
    pattern = ".*?".join(re.escape(part) for part in _squeeze(expected).split("..."))
    return re.fullmatch(pattern, _squeeze(actual), flags=re.DOTALL) is not None


def console_commands(block: Block) -> list[tuple[str, str]]:
    commands: list[tuple[str, str]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], ""))
        elif commands:
            command, output = commands[-1]
            commands[-1] = (command, output + line + "\n")
    return commands

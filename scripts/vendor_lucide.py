"""Copy Lucide's icons into the chat UI (src/chatkit_host/server/web/static/icons/lucide/), one small SVG each.

The chat draws ``lucide:<name>`` icons and ChatKit's own icon names from these files, so nothing is ever
loaded from outside chatkit-host. Run it when moving to a newer Lucide release:

    cd "$(mktemp -d)" && npm pack lucide-static@1.62.0 && tar xzf lucide-static-*.tgz
    python scripts/vendor_lucide.py "$PWD/package"

Each file is rewritten to the shapes alone (no comments, no classes, no whitespace): 2,176 icons take about
0.8 MB instead of 1.1 MB. The ISC licence (and the MIT notice for the icons from Feather) goes alongside.
"""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "src/chatkit_host/server/web/static/icons/lucide"
SVG = "{http://www.w3.org/2000/svg}"
#: The shapes icons.js copies into the page; anything else in a file would be dropped there anyway.
SHAPES = {"path", "circle", "rect", "line", "polyline", "polygon", "ellipse"}
ROOT = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" '
    'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
)


def shapes(source: Path) -> str:
    parts = []
    for node in ET.parse(source).getroot():
        tag = node.tag.removeprefix(SVG)
        if tag not in SHAPES:
            raise SystemExit(f"{source.name}: unexpected <{tag}>")
        attrs = "".join(f' {k}="{v}"' for k, v in node.attrib.items())
        parts.append(f"<{tag}{attrs}/>")
    return "".join(parts)


def main(package: Path) -> None:
    version = json.loads((package / "package.json").read_text())["version"]
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    count = 0
    for source in sorted((package / "icons").glob("*.svg")):
        (TARGET / source.name).write_text(f"{ROOT}{shapes(source)}</svg>\n")
        count += 1
    shutil.copy(package / "LICENSE", TARGET / "LICENSE")
    (TARGET / "VERSION").write_text(f"lucide-static {version}\n")
    print(f"{count} icons from lucide-static {version} in {TARGET}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

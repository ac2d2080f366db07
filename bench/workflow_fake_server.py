"""The fake OpenAI-compatible server of ``tests/support/fake_openai.py`` in its own process (workflow benchmarks).

    python bench/workflow_fake_server.py --port 8123 --text "the answer"

Every request gets the same reply, streamed the way OpenAI streams it. A process of its own keeps the fake
model's work off the interpreter (and GIL) being measured.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fake_openai import FakeOpenAI, Reply


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--text", required=True)
    args = parser.parse_args()
    fake = FakeOpenAI()
    reply = Reply(text=args.text)
    fake.rule = lambda request: reply
    # Forget requests instead of keeping every one: the benchmark sends thousands.
    fake.requests = _Forgetful()
    uvicorn.run(fake.app(), host="127.0.0.1", port=args.port, log_level="warning")


class _Forgetful(list):  # type: ignore[type-arg]
    def append(self, _item: object) -> None:
        return None


if __name__ == "__main__":
    main()

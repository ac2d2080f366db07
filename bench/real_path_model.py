"""The fake OpenAI-compatible model of the real-path benchmark, in its own process.

    python bench/real_path_model.py --port 8100

It streams Chat Completions as fast as it can. A request whose last user text contains ``tokens=N`` gets an
answer of exactly N content chunks (``tests/fake_openai.py`` cuts text into 4-character chunks, so the answer is
N times ``"tok "``); anything else (a title request, say) gets 5.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.fake_openai import FakeOpenAI, RecordedRequest, Reply

_TOKENS = re.compile(r"tokens=(\d+)")


class _Forgetful(list):  # type: ignore[type-arg]
    """Forgets requests instead of keeping every one: the benchmark sends thousands."""

    def append(self, _item: object) -> None:
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    fake = FakeOpenAI()
    replies: dict[int, Reply] = {}

    def rule(request: RecordedRequest) -> Reply:
        found = _TOKENS.findall(request.transcript())
        tokens = int(found[-1]) if found else 5
        if tokens not in replies:
            replies[tokens] = Reply(text="tok " * tokens, input_tokens=20, output_tokens=tokens)
        return replies[tokens]

    fake.rule = rule
    fake.requests = _Forgetful()
    uvicorn.run(
        fake.app(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        loop="uvloop",
        http="httptools",
        access_log=False,
        backlog=4096,
    )


if __name__ == "__main__":
    main()

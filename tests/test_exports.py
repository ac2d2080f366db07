"""``chatkit_host.__all__`` is sorted and complete, and ``import chatkit_host`` stays light."""

from __future__ import annotations

import inspect
import subprocess
import sys

import chatkit_host
import chatkit_host.client
import chatkit_host.types


def test_all_is_sorted_and_unique() -> None:
    assert chatkit_host.__all__ == sorted(set(chatkit_host.__all__))


def test_all_names_exist() -> None:
    for name in chatkit_host.__all__:
        assert hasattr(chatkit_host, name), name


def test_all_is_complete() -> None:
    """Every public name of the SDK and the wire types is exported at the top, and nothing else."""
    # Submodules show up as attributes once anything imports them; they are not exports.
    public = {
        name for name, value in vars(chatkit_host).items() if not name.startswith("_") and not inspect.ismodule(value)
    }
    public -= {"TYPE_CHECKING"}
    public |= chatkit_host._LAZY  # loaded on first access
    assert set(chatkit_host.__all__) - {"__version__"} == public
    assert set(chatkit_host.client.__all__) <= set(chatkit_host.__all__)
    assert set(chatkit_host.types.__all__) <= set(chatkit_host.__all__)


def test_lazy_exports_load_on_use() -> None:
    code = (
        "import sys, chatkit_host; before = 'chatkit.types' in sys.modules; "
        "from chatkit_host import Conversation, AsyncConversation; "
        "print(before, Conversation.__module__, 'chatkit.types' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "chatkit_host.client.conversation", "True"]


def test_import_does_not_load_the_server() -> None:
    code = (
        "import sys, chatkit_host; "
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'fastapi', 'starlette', 'sqlalchemy', 'uvicorn'}); "
        "server = sorted(m for m in sys.modules if m.startswith('chatkit_host.server')); "
        "print(heavy + server)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"

"""The package's floors hold: every module imports on its own, and imports only go the ways CONTRIBUTING.md draws.

The floors, top to bottom: the SDK front (``chatkit_host``, ``_version``, ``types/``, ``client/``) beside the CLI;
in the server wing, ``app.py``, then the two edges (``api/`` and ``runtime/``) over their shared ``http/``
plumbing, then the domain, then ``store/``. Imports under ``if TYPE_CHECKING:`` are annotations only and may
point anywhere (Starlette's ``requests.py`` does the same).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import chatkit_host

PACKAGE_DIR = Path(chatkit_host.__file__).parent

#: Deprecated aliases kept for one release at paths 0.1 documented; they point into the server on purpose.
ALIASES = {"chatkit_host.errors", "chatkit_host.settings", "chatkit_host.workflows", "chatkit_host.workflows.scope"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "migrations" in path.parts or path.name == "__main__.py":
            continue  # Alembic's scripts run inside Alembic, and ``__main__`` runs the CLI: neither is imported
        found[module_name(path)] = path
    return found


MODULES = all_modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(name: str, path: Path) -> set[str]:
    """The chatkit_host modules ``name`` imports at run time (module level or inside functions)."""
    tree = ast.parse(path.read_text(), str(path))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            skipped.update(id(child) for stmt in node.body for child in ast.walk(stmt))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            out.add(base)
            # ``from chatkit_host.server import ids`` imports the submodule ``ids``.
            out.update(f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES)
    return {m for m in out if m == "chatkit_host" or m.startswith("chatkit_host.")}


def under(module: str, *prefixes: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


FRONT = ("chatkit_host._version", "chatkit_host.types", "chatkit_host.client")
SERVER = "chatkit_host.server"
EDGES = ("chatkit_host.server.api", "chatkit_host.server.runtime")
HTTP = "chatkit_host.server.http"
STORE = "chatkit_host.server.store"
TOP = ("chatkit_host.server.app", *EDGES, HTTP, "chatkit_host.server.web")


def violations() -> list[str]:
    found = []
    for name, path in MODULES.items():
        if name in ALIASES:
            continue
        for target in sorted(runtime_imports(name, path)):
            rule = None
            if (name == "chatkit_host" or under(name, *FRONT)) and under(target, SERVER, "chatkit_host.cli"):
                rule = "the SDK front never imports the server wing or the CLI"
            elif under(name, EDGES[0]) and under(target, EDGES[1]):
                rule = "the REST edge never imports the runtime edge"
            elif under(name, EDGES[1]) and under(target, EDGES[0]):
                rule = "the runtime edge never imports the REST edge"
            elif under(name, HTTP) and under(target, *EDGES, "chatkit_host.server.app"):
                rule = "http/ sits below both edges"
            elif under(name, STORE) and under(target, SERVER) and not under(target, STORE):
                rule = "the store imports nothing above it"
            elif under(name, SERVER) and not under(name, *TOP) and under(target, *TOP):
                rule = "the domain never imports the edges, http/ or the app"
            elif under(name, SERVER) and under(target, "chatkit_host.client", "chatkit_host.cli"):
                rule = "the server never imports the SDK client or the CLI"
            if rule:
                found.append(f"{name} imports {target}: {rule}")
    return found


def test_imports_follow_the_floors() -> None:
    assert violations() == []


def test_the_layout_rules_see_real_imports() -> None:
    # Guards the checker itself: it must see these known, allowed edges, or it would pass on anything.
    assert "chatkit_host.server.http.asgi" in runtime_imports(
        "chatkit_host.server.runtime.routes", MODULES["chatkit_host.server.runtime.routes"]
    )
    assert "chatkit_host.server.ids" in runtime_imports(
        "chatkit_host.server.runtime.core", MODULES["chatkit_host.server.runtime.core"]
    )


# Each module is imported first in an interpreter where no chatkit_host module is loaded yet, so an import cycle
# that only works when something else happens to be imported first fails here. The third-party libraries are
# imported once in the parent and each module gets a forked child: fresh for our modules, fast for theirs.
_DRIVER = textwrap.dedent(
    """
    import importlib, os, sys, traceback, warnings
    warnings.simplefilter("ignore", DeprecationWarning)
    heavy = ("fastapi", "sqlalchemy", "sqlalchemy.ext.asyncio", "alembic", "agents", "openai", "chatkit.types",
             "chatkit.server", "chatkit.agents", "httpx", "pydantic", "uvicorn", "click", "rich", "yaml",
             "redis.asyncio", "asyncpg", "aiosqlite", "orjson", "mcp")
    for name in heavy:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    assert not [m for m in sys.modules if m.startswith("chatkit_host")]
    failed, running = 0, {}
    names = list(sys.argv[1:])
    while names or running:
        while names and len(running) < 2:  # two at a time: the machine has two cores
            name = names.pop()
            pid = os.fork()
            if pid == 0:
                try:
                    importlib.import_module(name)
                except BaseException:
                    print(f"--- {name}", flush=True)
                    traceback.print_exc()
                    sys.stderr.flush()
                    os._exit(1)
                os._exit(0)
            running[pid] = name
        pid, status = os.wait()
        running.pop(pid, None)
        failed += status != 0
    sys.exit(1 if failed else 0)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="uses os.fork")
@pytest.mark.timeout(600)
def test_every_module_imports_on_its_own() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _DRIVER, *MODULES], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr[-4000:]
    assert len(MODULES) > 100  # the walk found the package, not an empty directory


# The tests are shelved like code: helpers live in tests/support/ (and the browser's in tests/browser/harness.py),
# fixtures in the conftest files, and nothing imports a test module or a conftest, so a test module can be
# renamed, split or deleted without breaking another one, and bench/ never depends on a test.
REPO = Path(__file__).resolve().parents[1]


def forbidden(module: str) -> bool:
    """A test module (``tests.test_*``, ``tests.browser.test_*``) or a conftest."""
    last = module.rpartition(".")[2]
    return module.startswith("tests.") and (last.startswith("test_") or last == "conftest")


def imported_from_tests(source: str, package: str) -> set[str]:
    """The ``tests.*`` modules ``source`` (a module of ``package``) imports, relative imports resolved."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            out.add(base)
            out.update(f"{base}.{alias.name}" for alias in node.names)  # ``from tests import test_x``
    return {m for m in out if m == "tests" or m.startswith("tests.")}


def imports_of(path: Path) -> set[str]:
    return imported_from_tests(path.read_text(), ".".join(path.relative_to(REPO).parent.parts))


def checked_files() -> list[Path]:
    """Every Python file of tests/ (test modules, conftests, support) and of bench/."""
    return sorted([*(REPO / "tests").rglob("*.py"), *(REPO / "bench").glob("*.py")])


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    files = checked_files()
    assert any(p.name.startswith("test_") for p in files) and any(p.parent.name == "bench" for p in files)
    found = [
        f"{path.relative_to(REPO)} imports {target}"
        for path in files
        for target in sorted(imports_of(path))
        if forbidden(target)
    ]
    assert found == []


def test_the_test_import_rule_sees_real_imports() -> None:
    # Guards the checker itself: every spelling of a forbidden import is caught, the helpers' imports are not.
    bad = {
        "from tests.test_client import SDK": "tests.test_client",
        "import tests.conftest": "tests.conftest",
        "from tests import test_cli": "tests.test_cli",
        "from tests.browser.test_chat import x": "tests.browser.test_chat",
        "from .test_chat import x": "tests.browser.test_chat",
        "from .. import conftest": "tests.conftest",
        "from ..test_threads import x": "tests.test_threads",
    }
    for source, target in bad.items():
        assert {m for m in imported_from_tests(source, "tests.browser") if forbidden(m)} == {target}, source
    allowed = "from tests.support.runtime import Runtime\nfrom tests.browser.harness import x\nfrom . import harness"
    assert not [m for m in imported_from_tests(allowed, "tests.browser") if forbidden(m)]
    assert "tests.support.servers" in imports_of(REPO / "tests" / "conftest.py")

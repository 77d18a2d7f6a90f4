"""Tests of the package as a whole: its namespace, its Python floor, style rules and demo."""

import ast
import inspect
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import sklearn_stream
from sklearn_stream import util

ROOT = Path(__file__).resolve().parents[1]


def test_public_names_are_exported_explicitly():
    assert isinstance(sklearn_stream.__version__, str)
    for name in sklearn_stream.__all__:
        assert hasattr(sklearn_stream, name), name
    assert sorted(sklearn_stream.__all__) == sorted(set(sklearn_stream.__all__))


@pytest.mark.parametrize("name", ["mux", "buffer_batch", "buffer_streamer", "batch_length"])
def test_util_namespace_matches_pescador_0_1_3(name):
    assert getattr(util, name) is getattr(sklearn_stream, name)
    assert name in util.__all__


# Exceptions that never leave the package: a worker's signal to itself that it must stop.
_INTERNAL_EXCEPTIONS = {"sklearn_stream._zmq.worker.Stopped"}


def _package_modules():
    import importlib
    import pkgutil

    for info in pkgutil.walk_packages(sklearn_stream.__path__, "sklearn_stream."):
        yield importlib.import_module(info.name)


def test_every_exception_a_user_can_catch_lives_in_exceptions():
    from sklearn_stream import exceptions

    defined = {
        f"{obj.__module__}.{obj.__qualname__}"
        for module in _package_modules()
        for obj in vars(module).values()
        if isinstance(obj, type)
        and issubclass(obj, BaseException)
        and obj.__module__.startswith("sklearn_stream")
    }
    public = {f"sklearn_stream.exceptions.{name}" for name in exceptions.__all__}
    assert defined - _INTERNAL_EXCEPTIONS == public
    from sklearn_stream.zmq_stream import BindError, WorkerError

    assert WorkerError.__module__ == BindError.__module__ == "sklearn_stream.exceptions"


# The package's layers, lowest first: a module imports (at module level) only from layers
# below its own, so the import graph has no cycle. doc/architecture.rst draws it.
LAYERS = [
    {"exceptions", "_checks", "_random", "_process"},
    {"buffer"},
    {"core"},
    {"mux", "io", "maps"},
    {"learner", "_zmq"},
    {"model_selection"},
    {"zmq_stream", "plotting"},
    {"util"},
    {"__init__"},
]


def _room(module):
    """The room of a module name relative to the package: ``learner._training`` ->
    ``learner``."""
    return module.split(".")[0]


def _module_imports(path):
    """The package modules ``path`` imports at module level, as dotted names relative to
    the package."""
    package = path.relative_to(ROOT / "sklearn_stream").with_suffix("").parts[:-1]
    tree = ast.parse(path.read_text())
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[: len(package) - node.level + 1])
            if node.module:
                found.add(".".join([*base, node.module]))
            else:
                found.update(".".join([*base, alias.name]) for alias in node.names)
    return found


def _source_files():
    return sorted((ROOT / "sklearn_stream").rglob("*.py"))


@pytest.mark.parametrize(
    "path", _source_files(), ids=lambda p: str(p.relative_to(ROOT / "sklearn_stream"))
)
def test_modules_import_only_from_lower_layers(path):
    level = {room: i for i, rooms in enumerate(LAYERS) for room in rooms}
    parts = path.relative_to(ROOT / "sklearn_stream").with_suffix("").parts
    own = level[parts[0]]
    for module in _module_imports(path):
        room = _room(module)
        if room == parts[0] and len(parts) > 1:
            continue  # inside a subpackage: checked by the test of cycles below
        assert level[room] < own, f"{'.'.join(parts)} imports {module}"


def test_the_import_graph_has_no_cycle():
    graph = {}
    for path in _source_files():
        parts = path.relative_to(ROOT / "sklearn_stream").with_suffix("").parts
        name = ".".join(p for p in parts if p != "__init__") or "__init__"
        graph[name] = {m.removesuffix(".__init__") for m in _module_imports(path)}
    done, active = set(), []

    def visit(node):
        assert node not in active, " -> ".join([*active, node])
        if node in done:
            return
        active.append(node)
        for target in graph.get(node, ()):
            visit(target)
        active.pop()
        done.add(node)

    for node in graph:
        visit(node)


RUFF = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "command", [["check"], ["format", "--check"]], ids=["ruff-check", "ruff-format"]
)
def test_code_is_lint_clean(command):
    if not Path(RUFF).exists():
        pytest.skip("ruff is not installed (it comes with the 'test' extra)")
    paths = ["sklearn_stream", "tests", "benchmarks", "examples", "conftest.py", "setup.py"]
    paths = [p for p in paths if (ROOT / p).exists()]
    result = subprocess.run([RUFF, *command, *paths], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def _public_objects():
    from sklearn_stream import exceptions, zmq_stream

    objects = {
        name: getattr(sklearn_stream, name)
        for name in sklearn_stream.__all__
        if name != "__version__" and not inspect.ismodule(getattr(sklearn_stream, name))
    }
    objects.update({f"exceptions.{n}": getattr(exceptions, n) for n in exceptions.__all__})
    objects.update({f"zmq_stream.{n}": getattr(zmq_stream, n) for n in zmq_stream.__all__})
    return objects


@pytest.mark.parametrize("name", sorted(_public_objects()))
def test_public_names_have_numpydoc_examples(name):
    doc = inspect.getdoc(_public_objects()[name]) or ""
    assert "Examples\n--------" in doc, f"{name} has no Examples section"


def test_the_declared_python_floor_is_the_one_tested():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    floor = project["project"]["requires-python"]
    assert floor == ">=3.11"
    assert project["tool"]["ruff"]["target-version"] == "py311"
    assert sys.version_info >= (3, 11)

"""Write the small intersphinx inventories in ``doc/_inventories/``; run by hand.

Why: the documentation links to scikit-learn, numpy and scipy with intersphinx, but the
machines that build it (developers' and CI) have no internet access apart from package
registries, so Sphinx cannot download the projects' ``objects.inv``. Instead this script
enumerates the public classes and functions of the *installed* packages and writes, for each
project, an inventory in Sphinx's format version 2 (a four-line text header, then
zlib-compressed lines ``name domain:role priority uri display-name``) that maps every name to
its page in the project's real online documentation. ``doc/conf.py`` points
``intersphinx_mapping`` at these committed files, so the build never fetches anything and a
reference such as ``:class:`sklearn.linear_model.SGDClassifier``` becomes a link to
scikit-learn's site.

The URLs follow each project's naming of generated API pages:

- scikit-learn: ``modules/generated/<name>.html#<name>`` (modules: ``api/<module>.html``);
- numpy: ``reference/generated/<name>.html#<name>``, except ``numpy.random``, whose pages
  live under ``reference/random/`` (a short table below);
- scipy: ``reference/generated/<name>.html#<name>``.

Run it again after upgrading one of these packages (nothing else needs it)::

    python doc/_tools/make_inventories.py
"""

import importlib
import inspect
import pkgutil
import warnings
import zlib
from pathlib import Path

import numpy
import scipy
import sklearn

OUT = Path(__file__).resolve().parent.parent / "_inventories"

# numpy.random's reference is not under reference/generated/: its main objects have their
# own pages, and its functions and methods sit in reference/random/generated/.
NUMPY_RANDOM_PAGES = {
    "numpy.random.Generator": "reference/random/generator.html#$",
    "numpy.random.default_rng": "reference/random/generator.html#$",
    "numpy.random.RandomState": "reference/random/legacy.html#$",
    "numpy.random.SeedSequence": "reference/random/bit_generators/generated/$.html#$",
}


def _public(name: str) -> bool:
    return not name.startswith("_")


def _module_names(package, skip=("tests", "externals", "conftest")):
    """The public module names of a package: no private component, no test modules."""
    names = [package.__name__]
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        parts = info.name.split(".")
        if all(_public(p) and p not in skip for p in parts):
            names.append(info.name)
    return names


def _objects(module_name, root):
    """``(fullname, role, obj)`` for the public classes and functions a module offers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            module = importlib.import_module(module_name)
        except Exception:  # optional dependencies of some submodules are not installed
            return []
    names = getattr(module, "__all__", None)
    defined_here_only = names is None  # without __all__, imported helpers are not its API
    if names is None:
        names = [n for n in vars(module) if _public(n)]
    found = []
    for name in names:
        obj = getattr(module, name, None)
        if inspect.isclass(obj):
            role = "class"
        elif callable(obj) and not inspect.ismodule(obj):
            role = "function"
        else:
            continue
        owner = getattr(obj, "__module__", None) or ""
        if owner.split(".")[0] != root:  # re-exports of other projects' objects
            continue
        if defined_here_only and owner != module_name:
            continue
        found.append((f"{module_name}.{name}", role, obj))
    return found


def _methods(fullname, cls):
    """Public methods of a class (inherited ones too: the projects document them on the
    class's page), as ``(fullname, "method")``."""
    return [
        (f"{fullname}.{name}", "method")
        for name in dir(cls)
        if _public(name) and inspect.isroutine(getattr(cls, name, None))
    ]


def write_inventory(path, project, version, entries):
    """Write ``entries`` (tuples ``(name, domain:role, uri)``) in inventory format v2."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    lines = []
    for name, role, uri in sorted(set(entries)):
        if uri.endswith("#" + name):  # the format's shorthand: a final '$' is the name
            uri = uri[: -len(name)] + "$"
        lines.append(f"{name} {role} 1 {uri} -\n")
    body = zlib.compress("".join(lines).encode("utf-8"), 9)
    path.write_bytes(header.encode("utf-8") + body)
    return len(lines)


def sklearn_entries():
    entries = []
    for module_name in _module_names(sklearn):
        if module_name.count(".") == 1:
            entries.append((module_name, "py:module", f"api/{module_name}.html"))
        for fullname, role, obj in _objects(module_name, "sklearn"):
            page = f"modules/generated/{fullname}.html"
            entries.append((fullname, f"py:{role}", f"{page}#{fullname}"))
            if role == "class":
                for method, _ in _methods(fullname, obj):
                    entries.append((method, "py:method", f"{page}#{method}"))
    return entries


def numpy_entries():
    entries = []
    for module_name in ("numpy", "numpy.linalg", "numpy.fft", "numpy.random", "numpy.testing"):
        for fullname, role, obj in _objects(module_name, "numpy"):
            if module_name == "numpy.random":
                page = NUMPY_RANDOM_PAGES.get(fullname, "reference/random/generated/$.html#$")
                uri = page.replace("$", fullname)
            else:
                uri = f"reference/generated/{fullname}.html#{fullname}"
            entries.append((fullname, f"py:{role}", uri))
            if fullname in ("numpy.random.Generator", "numpy.random.RandomState"):
                for method, _ in _methods(fullname, obj):
                    uri = f"reference/random/generated/{method}.html#{method}"
                    entries.append((method, "py:method", uri))
    return entries


def scipy_entries():
    modules = (
        "scipy.sparse",
        "scipy.sparse.linalg",
        "scipy.stats",
        "scipy.linalg",
        "scipy.special",
        "scipy.optimize",
        "scipy.spatial",
    )
    entries = []
    for module_name in modules:
        for fullname, role, _ in _objects(module_name, "scipy"):
            uri = f"reference/generated/{fullname}.html#{fullname}"
            entries.append((fullname, f"py:{role}", uri))
    return entries


def main():
    OUT.mkdir(exist_ok=True)
    for filename, project, version, entries in (
        ("sklearn.inv", "scikit-learn", sklearn.__version__, sklearn_entries()),
        ("numpy.inv", "NumPy", numpy.__version__, numpy_entries()),
        ("scipy.inv", "SciPy", scipy.__version__, scipy_entries()),
    ):
        count = write_inventory(OUT / filename, project, version, entries)
        print(f"{OUT / filename}: {count} entries ({project} {version})")


if __name__ == "__main__":
    main()

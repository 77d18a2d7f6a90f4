"""Sphinx configuration of the sklearn_stream documentation.

Build it with ``python -m sphinx -W --keep-going -b html doc doc/_build/html`` (what
``tests/test_docs.py`` runs). The build needs no network: intersphinx reads the committed
inventories in ``_inventories/`` (see ``_tools/make_inventories.py``).
"""

import os
import sys
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # before anything imports pyplot

import matplotlib

matplotlib.use("Agg")

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # document the checkout even when it is not installed

import sklearn_stream  # noqa: E402

project = "sklearn_stream"
author = "sklearn_stream developers"
copyright = "sklearn_stream developers"
release = sklearn_stream.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

exclude_patterns = ["_build", "_tools", "_inventories", "_templates", "**.ipynb_checkpoints"]
templates_path = ["_templates"]  # autosummary/class.rst: class pages list their methods
default_role = "py:obj"
nitpicky = True  # a reference that does not resolve is a warning, so -W fails on it

# -- API reference -------------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True

# -- intersphinx, offline --------------------------------------------------------------------
# The inventories are generated from the installed packages by _tools/make_inventories.py
# and committed, because neither developers' machines nor CI can reach the projects' sites.
_INVENTORIES = HERE / "_inventories"
intersphinx_mapping = {
    "sklearn": ("https://scikit-learn.org/stable/", str(_INVENTORIES / "sklearn.inv")),
    "numpy": ("https://numpy.org/doc/stable/", str(_INVENTORIES / "numpy.inv")),
    "scipy": ("https://docs.scipy.org/doc/scipy/", str(_INVENTORIES / "scipy.inv")),
}

# -- gallery --------------------------------------------------------------------------------
# The gallery is the plot_*.py scripts of examples/, and all of them are executed (each is
# seeded, draws figures and runs in a few seconds). The other scripts there (the demo, the
# seed documentation's examples, the file-search example) print results and draw nothing;
# the tests run them (tests/test_demo.py, tests/test_learner_examples.py), and the pages
# include them as code where they belong.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"[\\/]plot_[^\\/]*\.py$",
    # sphinx-gallery matches this against bare file names in some places and full paths in
    # others: it ignores every .py file whose name does not start with "plot_", in both.
    "ignore_pattern": r"(^|[\\/])(?!plot_)[^\\/]*\.py$",
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "abort_on_example_error": True,
    "write_computation_times": False,
    "remove_config_comments": True,
    "reset_modules": ("matplotlib",),
    "min_reported_time": 1,
}

# -- plot directive (figures inside pages) ---------------------------------------------------
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.figsize": (7.0, 3.5)}

# -- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_stream {release}"
html_static_path = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    # Every top-level page up to the API reference stays in the navbar at 1280 px; only the
    # changelog and the architecture notes go under "More".
    "header_links_before_dropdown": 6,
    "navbar_persistent": ["search-button"],  # the search icon: the wide field pushed links out
}
# Pages without sub-pages get no left sidebar (it would show an empty "Section Navigation").
html_sidebars = {
    page: []
    for page in (
        "index",
        "getting_started",
        "concepts",
        "pescador_users",
        "changelog",
        "architecture",
    )
}
# Methods in a class page's right-hand contents are listed as "fit()", not
# "StreamLearner.fit()", so the names fit in the column.
toc_object_entries_show_parents = "hide"
html_show_sourcelink = False

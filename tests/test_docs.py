"""The documentation builds without a single warning, and its code examples are true.

The build runs on a copy of ``doc/`` and ``examples/`` in a temporary directory, so it
leaves nothing in the checkout and always executes the gallery afresh (sphinx-gallery
would otherwise skip examples whose source did not change since an earlier build).
"""

import doctest
import inspect
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "doc"
GENERATED = ("_build", "auto_examples", "generated")  # written by the build, not sources
PAGES = sorted(
    page for page in DOC.rglob("*.rst") if not set(page.relative_to(DOC).parts) & set(GENERATED)
)
PAGES_WITH_EXAMPLES = [page for page in PAGES if ">>> " in page.read_text(encoding="utf-8")]


def _copy_sources(destination: Path) -> Path:
    shutil.copytree(DOC, destination / "doc", ignore=shutil.ignore_patterns(*GENERATED))
    shutil.copytree(ROOT / "examples", destination / "examples")
    return destination / "doc"


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_docs_build_with_warnings_as_errors(tmp_path):
    pytest.importorskip("sphinx")
    source = _copy_sources(tmp_path / "src")
    html = tmp_path / "html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-b",
            "html",
            str(source),
            str(html),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    # the gallery ran: every plot_ example has a page with its figures
    for example in sorted((ROOT / "examples").glob("plot_*.py")):
        page = html / "auto_examples" / f"{example.stem}.html"
        assert page.is_file(), f"no gallery page for {example.name}"
        assert f"sphx_glr_{example.stem}_001.png" in page.read_text(encoding="utf-8")
    # intersphinx resolved offline, to the projects' real pages
    expected = (
        "https://scikit-learn.org/stable/modules/generated/sklearn.pipeline.Pipeline.html"
        "#sklearn.pipeline.Pipeline"
    )
    assert expected in (html / "user_guide" / "learner.html").read_text(encoding="utf-8")
    # what a browser shows: top-level pages without sub-pages have no (empty) "Section
    # Navigation"; "API reference" is a navbar link, not hidden under "More"; API titles are
    # the bare names and the page contents list "fit()", not "StreamLearner.fit()", so both
    # fit their columns at 1280 px (checked by screenshots when this was set up)
    for page in ("getting_started", "concepts", "pescador_users"):
        assert "Section Navigation" not in (html / f"{page}.html").read_text(encoding="utf-8")
    navbar = (html / "index.html").read_text(encoding="utf-8")
    assert navbar.index('href="api.html"') < navbar.index("More")
    learner_page = (html / "generated" / "sklearn_stream.StreamLearner.html").read_text(
        encoding="utf-8"
    )
    assert "<h1>StreamLearner<" in learner_page
    assert "StreamLearner.fit()" not in learner_page
    # every public name has an API page
    import sklearn_stream

    api = (DOC / "api.rst").read_text(encoding="utf-8")
    for name in sklearn_stream.__all__:
        if name == "__version__":
            continue
        if inspect.ismodule(getattr(sklearn_stream, name)):
            assert f".. automodule:: sklearn_stream.{name}" in api, f"module {name} not in api.rst"
            continue
        page = html / "generated" / f"sklearn_stream.{name}.html"
        assert page.is_file(), f"sklearn_stream.{name} is public but not in doc/api.rst"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "page", PAGES_WITH_EXAMPLES, ids=[str(p.relative_to(DOC)) for p in PAGES_WITH_EXAMPLES]
)
def test_page_examples_run(page):
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
        report=True,
    )
    assert result.attempted > 0
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed"

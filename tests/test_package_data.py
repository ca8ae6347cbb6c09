"""A wheel carries every file the app reads at run time: what setuptools' build step would copy into the
build (from pyproject's [tool.setuptools.package-data]) covers every non-Python file in the package.

Asked of setuptools itself (its build_py command, as `python -m build` runs it) without building: the
wheel is these files plus the modules, so nothing heavier is needed to know it carries them."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import emgcoach
from emgcoach.data import demo_recording
from emgcoach.resources import APP_ID, ICON_SIZES

PACKAGE = Path(emgcoach.__file__).resolve().parent
ROOT = PACKAGE.parent


def shipped_data_files(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """The package-data files setuptools would put in the wheel, as paths from the project's root."""
    from setuptools.dist import Distribution

    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # setuptools' "[tool.setuptools] is beta" notice
        dist = Distribution()
        dist.parse_config_files()
    # Only the package-data globs: with include_package_data, build_py would also run egg_info, writing
    # emgcoach.egg-info into the tree; without a MANIFEST.in it adds nothing for the wheel.
    dist.include_package_data = False
    build_py = dist.get_command_obj("build_py")
    build_py.ensure_finalized()
    return {f"{src}/{name}" for _, src, _, names in build_py.data_files for name in names}


def test_every_file_the_package_holds_beside_its_modules_is_package_data(monkeypatch: pytest.MonkeyPatch) -> None:
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("emgcoach is installed, not a checkout: no pyproject.toml to ask")
    shipped = shipped_data_files(monkeypatch)
    present = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".py", ".pyc")}
    assert present - shipped == set()
    assert {"emgcoach/data/demo/bird_dog.xdf", "emgcoach/coach/drills.toml", "emgcoach/resources/icons/emgcoach.svg",
            *(f"emgcoach/resources/icons/emgcoach-{n}.png" for n in ICON_SIZES),
            f"emgcoach/resources/desktop/{APP_ID}.desktop", f"emgcoach/resources/desktop/{APP_ID}.metainfo.xml"} <= shipped


def test_the_demo_is_found_through_the_package() -> None:
    path = demo_recording()
    assert path == PACKAGE / "data" / "demo" / "bird_dog.xdf"
    assert path.read_bytes()[:4] == b"XDF:"  # the XDF magic

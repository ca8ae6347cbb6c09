"""Data the app ships inside the package: the demo session (`demo/bird_dog.xdf`).

Found through importlib.resources, so it is there however emgcoach was installed: a checkout, a wheel,
or a frozen bundle (PyInstaller serves package data from its own folder). No Qt here: the coaching layer
asks where the demo lives (`coach/history_policy.py` never saves a set replayed from it).
"""

from __future__ import annotations

import logging
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

logger = logging.getLogger(__name__)

DEMO_NAME = "bird_dog.xdf"  # a simulated bird-dog session: calibration, then a coached set of 8 reps


def demo_recording() -> Path:
    """The demo session as a file on disk: left lat + right glute at 1 kHz, the client's calibration
    (rest, three maximal efforts per muscle), then a coached bird-dog set of 8 reps, one with the glute
    late."""
    resource = resources.files(__name__) / "demo" / DEMO_NAME
    if isinstance(resource, Path):  # an ordinary install, a checkout, or a frozen bundle
        return resource
    return _extracted(resource)


def _extracted(resource: Traversable) -> Path:
    """A copy on disk of a resource that is not a file (the package imported from a zip archive): the
    readers open files by path, so it goes to the user's cache folder once."""
    from platformdirs import user_cache_path

    from emgcoach import __version__

    target = user_cache_path("emgcoach") / "demo" / __version__ / resource.name
    if not target.is_file():
        logger.info("copying the demo session out of the package archive to %s", target)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(resource.read_bytes())
        partial.replace(target)  # never a half-written demo, even if two copies start at once
    return target

"""Which files a batch takes from the folders it is given (batch_files.find_recordings)."""

from __future__ import annotations

import re
from pathlib import Path

from emgcoach.batch_files import detected_suffixes, find_recordings
from emgcoach.io.open import RECORDING_SUFFIXES

REPO = Path(__file__).resolve().parents[1]


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_folders_are_searched_recursively_for_recordings_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _touch(Path("corpus/b.xdf"))
    _touch(Path("corpus/a.EDF"))
    _touch(Path("corpus/sub/deeper/c.csv"))
    _touch(Path("corpus/sub/c_markers.csv"))  # csv_export's markers file
    _touch(Path("corpus/sub-01/emg/sub-01_task-drill_channels.tsv"))  # BIDS sidecars
    _touch(Path("corpus/sub-01/emg/sub-01_task-drill_events.tsv"))
    _touch(Path("corpus/participants.tsv"))
    _touch(Path("corpus/.cache/d.xdf"))  # hidden folder
    _touch(Path("corpus/.e.xdf.part"))
    _touch(Path("corpus/notes.txt"), "Hello, world: a note beside the recordings\n")
    _touch(Path("corpus/readme.md"))
    _touch(Path("corpus/session.txt"), "# OpenSignals Text File Format\n# {}\n# EndOfHeader\n0\t1\n")
    found = find_recordings(["corpus"])
    assert [f.label for f in found] == ["corpus/a.EDF", "corpus/b.xdf", "corpus/session.txt", "corpus/sub/deeper/c.csv"]
    assert all(Path(f.path).is_absolute() and Path(f.path).exists() for f in found)


def test_files_named_are_taken_as_given_once_each(tmp_path: Path, monkeypatch) -> None:
    """A file named on the command line is analysed whatever its name (a missing one fails in its row)."""
    monkeypatch.chdir(tmp_path)
    _touch(Path("d/x.xdf"))
    _touch(Path("notes.txt"), "Hello, world\n")
    found = find_recordings(["notes.txt", "missing.xdf", "d", "d/x.xdf"])
    assert [f.label for f in found] == ["notes.txt", "missing.xdf", "d/x.xdf"]


def test_every_suffix_the_format_detection_names_is_searched_for(tmp_path: Path, monkeypatch) -> None:
    """io/open.py lists the suffixes of what it reads: each suffix its detection names is in that list (a
    new reader's too), and a folder search takes a file of each."""
    source = (REPO / "emgcoach" / "io" / "open.py").read_text(encoding="utf-8")
    named = set(re.findall(r"""["'](\.[a-z0-9]+(?:\.[a-z0-9]+)?)["']""", source))
    assert {".xdf", ".edf", ".bdf", ".csv", ".c3d"} <= named <= set(RECORDING_SUFFIXES) | {".txt"}
    assert detected_suffixes() == RECORDING_SUFFIXES
    monkeypatch.chdir(tmp_path)
    for suffix in RECORDING_SUFFIXES:
        _touch(Path("corpus") / f"rec{suffix}")
    assert {f.label for f in find_recordings(["corpus"])} == {f"corpus/rec{s}" for s in RECORDING_SUFFIXES}


def test_a_bids_dataset_gives_its_raw_recordings_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    _touch(Path("ds/dataset_description.json"), '{"Name": "sling", "BIDSVersion": "1.11.0"}')
    _touch(Path("ds/sub-01/emg/sub-01_task-birddog_emg.edf"))
    _touch(Path("ds/sub-01/emg/sub-01_task-birddog_channels.tsv"))
    _touch(Path("ds/sub-02/emg/sub-02_task-birddog_emg.bdf"))
    _touch(Path("ds/derivatives/filtered/sub-01/emg/sub-01_task-birddog_emg.edf"))  # not raw
    _touch(Path("ds/sourcedata/sub-01/raw.xdf"))  # what the dataset was made from
    found = find_recordings(["ds"])
    assert [f.label for f in found] == ["ds/sub-01/emg/sub-01_task-birddog_emg.edf",
                                        "ds/sub-02/emg/sub-02_task-birddog_emg.bdf"]


def test_the_batch_modules_run_headless() -> None:
    """A batch runs on servers and Dask workers: its modules import no Qt, pyqtgraph or bleak."""
    from tests.test_import_boundaries import FORBIDDEN, _imports

    modules = sorted((REPO / "emgcoach").glob("batch*.py"))
    assert len(modules) >= 4
    assert {m.name: sorted(_imports(m) & set(FORBIDDEN)) for m in modules} == {m.name: [] for m in modules}

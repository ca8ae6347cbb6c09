"""`emgcoach analyze PATH... [--table OUT.csv] [--jobs N] [--dask ADDRESS]`: the terminal side of a batch.

A progress bar on stderr (tqdm; only when stderr is a terminal), one line on stderr per file that
failed as it fails, the table (to OUT.csv, else CSV on stdout), and a last line with the count of
failed files; exit code 2 when any failed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from emgcoach.batch import AnalyzeOptions, BatchResult, FileOutcome, run_dask, run_local
from emgcoach.batch_files import find_recordings
from emgcoach.batch_table import table_text, write_table
from emgcoach.errors import EmgcoachError

EXIT_FAILED = 2


class BatchProgress:
    """A tqdm bar of files done on stderr (hidden when stderr is not a terminal); failed files are
    printed above it as `emgcoach: FILE: problem`."""

    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, unit="file", desc="analyze", file=sys.stderr, disable=not sys.stderr.isatty())

    def __call__(self, outcome: FileOutcome) -> None:
        if outcome.error is not None:
            self.bar.write(f"emgcoach: {outcome.label}: {outcome.error}", file=sys.stderr)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def run_batch(paths: list[str], options: AnalyzeOptions, jobs: int, dask: str | None, table: str | None) -> int:
    """Find the recordings under `paths`, analyse them (on `jobs` processes, or on the Dask cluster at
    `dask`), write the table, and say how many failed. Returns the exit code (2 if any file failed)."""
    files = find_recordings(paths)
    if not files:
        raise EmgcoachError(f"{', '.join(paths)}: no recordings found (looked for {_suffix_text()})")
    if table is not None and not Path(table).absolute().parent.is_dir():
        raise EmgcoachError(f"{table}: cannot write the table: its folder does not exist")
    progress = BatchProgress(len(files))
    try:
        result = run_dask(files, options, dask, progress) if dask else run_local(files, options, jobs, progress)
    finally:
        progress.close()
    return _finish(result, table)


def _suffix_text() -> str:
    from emgcoach.batch_files import CONTENT_SUFFIXES, detected_suffixes

    return ", ".join((*detected_suffixes(), *CONTENT_SUFFIXES))


def _finish(result: BatchResult, table: str | None) -> int:
    """Write the table and the closing line; the exit code."""
    n, failed = len(result.outcomes), len(result.failed)
    rows = result.rows
    if table is None:
        sys.stdout.write(table_text(rows))
        sys.stdout.flush()
    else:
        try:
            write_table(rows, table)
        except OSError as e:
            raise EmgcoachError(f"{table}: cannot write the table: {e.strerror or e}") from None
        print(f"{table}: {len(rows)} rows from {n} file{'s' if n != 1 else ''}")
    if failed:
        where = f"their rows in {table} say why" if table else "their rows say why"
        print(f"emgcoach: {failed} of {n} files failed ({where})", file=sys.stderr)
        return EXIT_FAILED
    return 0

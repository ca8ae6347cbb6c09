"""Analyse many recordings at once: on N local processes, or on an existing Dask distributed cluster.

Each file gets exactly `emgcoach analyze FILE`'s work (`cli.analyze.analyze_file`: read, check, the DSP chain of
`analysis.analyze`, reps by `coach.session_analysis.session_reps`), done where the file is read (a
worker process, or a Dask worker that reads it by its absolute path), and only its table rows come back.
A file that fails gives one error row and the batch goes on. Results arrive as they finish (for
progress) and are put back in the order of the files, so the table is the same however it was run.
No Qt, no terminal: the caller draws progress from `on_done`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from multiprocessing import get_context

from emgcoach.batch_files import FoundFile
from emgcoach.batch_table import Row, error_rows, report_rows
from emgcoach.errors import EmgcoachError, InputError

logger = logging.getLogger(__name__)

DASK_CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class AnalyzeOptions:
    """`analyze`'s per-file options, as the user typed them (each file's analysis parses them as
    `emgcoach analyze FILE` does). Picklable, to travel to worker processes and Dask workers."""

    rate: str | None = None  # sample rate in Hz for files that do not state it
    channel: tuple[str, ...] = ()  # INDEX:MUSCLE:SIDE roles
    mains: str = "auto"  # auto, off, 50 or 60 (Hz)
    drill: str | None = None
    rescore: bool = False
    unit: str | None = None  # uV, mV or V for columns whose file states none
    pairs: str | None = None  # all, or A:B,C:D

    def namespace(self, path: str) -> argparse.Namespace:
        """The arguments `cli.analyze.analyze_file` takes for `path`."""
        return argparse.Namespace(file=path, rate=self.rate, channel=list(self.channel) or None, mains=self.mains,
                                  drill=self.drill, rescore=self.rescore, unit=self.unit, pairs=self.pairs)


@dataclass(frozen=True)
class FileOutcome:
    """One file's result: its table rows, the one-line problem if it failed (else None), and the time its
    analysis took (s, on the worker)."""

    index: int
    label: str
    rows: list[Row]
    error: str | None = None
    seconds: float = 0.0


@dataclass
class BatchResult:
    """Every file's outcome, in the order of the files."""

    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [r for o in self.outcomes for r in o.rows]

    @property
    def failed(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.error is not None]


OnDone = Callable[[FileOutcome], None]


def _failure(index: int, found: FoundFile, problem: str, seconds: float = 0.0) -> FileOutcome:
    return FileOutcome(index, found.label, error_rows(found.label, problem), problem, seconds)


def analyze_one(index: int, found: FoundFile, options: AnalyzeOptions) -> FileOutcome:
    """Analyse one file as `emgcoach analyze` does; never raises for a bad file (its outcome says why).
    Warnings and notes name the file by its label and are kept on its file row."""
    from threadpoolctl import threadpool_limits

    from emgcoach.cli.analyze import analyze_file
    from emgcoach.coach.session_analysis import analysis_dict

    notes: list[str] = []
    t0 = time.perf_counter()
    try:
        # one BLAS thread: a file's linear algebra is small, OpenBLAS's threads spin more than they help
        # (20 files on 2 cores: 5.0 s at 128 % CPU with them, 4.3 s at 99 % without), and a batch runs
        # its files side by side already
        with threadpool_limits(limits=1):
            result, scored = analyze_file(options.namespace(found.path),
                                          lambda text: notes.append(text.replace(found.path, found.label)))
        rows = report_rows(found.label, analysis_dict(result, scored), notes)
    except InputError as e:
        return _failure(index, found, e.problem, time.perf_counter() - t0)
    except EmgcoachError as e:
        return _failure(index, found, str(e).replace(found.path, found.label), time.perf_counter() - t0)
    except Exception as e:  # a bug on one file must not stop the other 499: logged, and a row that says so
        logger.exception("analysing %s", found.path)
        return _failure(index, found, f"internal error: {type(e).__name__}: {e}", time.perf_counter() - t0)
    return FileOutcome(index, found.label, rows, None, time.perf_counter() - t0)


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS and Windows have no affinity call
        return os.cpu_count() or 1


def _ignore_sigint() -> None:
    """In worker processes: Ctrl-C is the parent's to handle (it cancels what has not started)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _gather(files: Sequence[FoundFile], pending: dict[Future, int], on_done: OnDone | None) -> BatchResult:
    """Collect futures of `analyze_one` as they finish, back into file order."""
    out: list[FileOutcome | None] = [None] * len(files)
    for fut in as_completed(pending):
        i = pending[fut]
        try:
            outcome = fut.result()
        except Exception as e:  # the worker process died (killed, out of memory)
            outcome = _failure(i, files[i], f"worker process failed: {type(e).__name__}: {e}")
        out[i] = outcome
        if on_done is not None:
            on_done(outcome)
    return BatchResult([o for o in out if o is not None])


def run_local(files: Sequence[FoundFile], options: AnalyzeOptions, jobs: int,
              on_done: OnDone | None = None) -> BatchResult:
    """Analyse `files` on `jobs` processes (1: in this process, one after another)."""
    if jobs <= 1 or len(files) <= 1:
        result = BatchResult()
        for i, f in enumerate(files):
            result.outcomes.append(analyze_one(i, f, options))
            if on_done is not None:
                on_done(result.outcomes[-1])
        return result
    # spawn, not fork: the caller may hold threads (a Dask client, Qt in tests) that a fork would copy mid-lock
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(files)), mp_context=get_context("spawn"),
                               initializer=_ignore_sigint)
    try:
        pending = {pool.submit(analyze_one, i, f, options): i for i, f in enumerate(files)}
        result = _gather(files, pending, on_done)
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return result


def run_dask(files: Sequence[FoundFile], options: AnalyzeOptions, address: str,
             on_done: OnDone | None = None) -> BatchResult:
    """Analyse `files` on the Dask distributed cluster whose scheduler is at `address` (e.g.
    tcp://10.0.0.5:8786). Its workers need emgcoach installed and the files at the same absolute paths.
    EmgcoachError when Dask is not installed or the scheduler cannot be reached."""
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise EmgcoachError("--dask needs Dask distributed: pip install 'emgcoach[cluster]'") from None
    try:
        client = Client(address, timeout=DASK_CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as e:
        raise EmgcoachError(f"--dask {address}: cannot reach the scheduler ({e})") from None
    out: list[FileOutcome | None] = [None] * len(files)
    with client:
        futures = [client.submit(analyze_one, i, f, options, pure=False) for i, f in enumerate(files)]
        index = {fut.key: i for i, fut in enumerate(futures)}
        try:
            for fut in dask_completed(futures, loop=client.loop):
                i = index[fut.key]
                try:
                    outcome = fut.result()
                except Exception as e:  # the task itself failed: a worker died, or lacks emgcoach
                    outcome = _failure(i, files[i], f"dask worker failed: {type(e).__name__}: {e}")
                out[i] = outcome
                if on_done is not None:
                    on_done(outcome)
        finally:
            client.cancel([f for f in futures if not f.done()])
    return BatchResult([o for o in out if o is not None])

"""Error types whose message is a one-line, user-facing explanation."""


class EmgcoachError(Exception):
    """Base for errors that the CLI reports as one line (no traceback) with exit code 2."""


class InputError(EmgcoachError):
    """A file or device gave data we cannot use; the message names the file/device and the problem."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class RateNeeded(InputError):
    """A file that does not say its sample rate (a CSV without a time column): the caller must give it."""

"""The command line's parser: argparse with one-line usage errors, and option values that start with '-'."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from typing import NoReturn

EXIT_USAGE = 2
VALUE_OPTIONS = ("--channel", "--sensor", "--rate", "--duration")  # values may start with '-' (-1:lat:left, -1e3)


class CliParser(argparse.ArgumentParser):
    """argparse with one-line usage errors (exit 2): `emgcoach analyze: PROBLEM (see emgcoach analyze --help)`."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(str(message).split())
        self.exit(EXIT_USAGE, f"{self.prog}: {text} (see {self.prog} --help)\n")


def option_values_may_look_negative(argv: Sequence[str]) -> list[str]:
    """`--channel -1:lat:left` -> `--channel=-1:lat:left`, so argparse takes the value as a value (and the
    channel parser can say what is wrong with it) instead of as an unknown option."""
    out: list[str] = []
    it = iter(argv)
    for tok in it:
        if tok in VALUE_OPTIONS:
            nxt = next(it, None)
            if nxt is not None and re.match(r"-[\d.]", nxt):
                out.append(f"{tok}={nxt}")
                continue
            out.append(tok)
            if nxt is not None:
                out.append(nxt)
            continue
        out.append(tok)
    return out

"""The process's edges: signals from start-up to the last byte, and standard streams that are closed,
full or slow. Every command runs inside these guards, so an interrupt or a failed write always ends
with one line on stderr and a documented exit code, never a traceback or a silent cut.
"""

from __future__ import annotations

import _signal  # the C module: `signal` imports enum, which costs start-up time before the handlers exist
import os
import sys

#: Ctrl-C and SIGTERM both exit 130 (the run's summary so far is printed first; the line on
#: stderr says which of the two it was).
INTERRUPTED = 130
#: The output could not be written (standard output closed, a full disk): nothing complete was
#: delivered, so the run's own exit code would mislead a script.
OUTPUT_FAILED = 2


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the summary so far, then exit."""


class OutputError(Exception):
    """Standard output refused a write (closed, or no space left on the device)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Set when stdout may hold bytes that must not be flushed at exit (an interrupted or failed write).
_abandon = {"stdout": False}


def _on_signal(signum, frame):
    raise Terminated() if signum == _signal.SIGTERM else KeyboardInterrupt()


def catch_signals() -> None:
    """Ctrl-C and SIGTERM raise in the main thread from now on, wherever it is; a closed pipe ends
    the process quietly (`gdsim ... | head`)."""
    _signal.signal(_signal.SIGINT, _on_signal)
    _signal.signal(_signal.SIGTERM, _on_signal)
    _signal.signal(_signal.SIGPIPE, _signal.SIG_DFL)


def tr(template: str, **values) -> str:
    from gdsim.i18n import tr as translate

    return translate(template, **values)


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False


class _Guarded:
    """A text stream whose failed writes become OutputError (stdout) or are dropped (stderr: there is
    nowhere left to say anything, and the exit code still tells the story)."""

    def __init__(self, stream, quiet: bool):
        self._stream = stream
        self._quiet = quiet

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as e:
            return self._failed(e)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as e:
            self._failed(e)

    def _failed(self, e: Exception) -> int:
        if self._quiet:
            return 0
        _abandon["stdout"] = True
        raise OutputError(getattr(e, "strerror", None) or str(e)) from None

    def __getattr__(self, name):
        return getattr(self._stream, name)


def guard_standard_streams() -> int | None:
    """Make stdin and stderr safe to use and guard stdout; an exit code when there is nowhere to write."""
    for fd in (0, 2):
        if not _is_open(fd):  # `2>&-`: messages go nowhere, but the exit code stays the run's
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stderr is None:
        sys.stderr = open(2, "w", encoding="utf-8", errors="backslashreplace", closefd=False, buffering=1)
    sys.stderr = _Guarded(sys.stderr, quiet=True)
    if sys.stdout is None or not _is_open(1):
        sys.stderr.write("error: " + tr("standard output is closed; there is nowhere to write the output") + "\n")
        return OUTPUT_FAILED
    if hasattr(sys.stdout, "reconfigure"):
        # A file name that is not UTF-8 reaches Python as lone surrogates: print them escaped
        # (valid UTF-8, valid JSON) instead of failing or writing raw bytes.
        sys.stdout.reconfigure(errors="backslashreplace")
    sys.stdout = _Guarded(sys.stdout, quiet=False)
    return None


def report_interrupt(stop: BaseException) -> int:
    """One line for an interrupt that no run summarised (start-up, parsing, compiling, writing)."""
    _abandon["stdout"] = True
    terminated = isinstance(stop, Terminated) or type(stop).__name__ == "Terminated"
    line = tr("terminated (SIGTERM); any output above is incomplete") if terminated else tr(
        "interrupted by Ctrl-C; any output above is incomplete")
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return INTERRUPTED


def report_output_error(err: OutputError) -> int:
    try:
        sys.stderr.write("error: " + tr("cannot write the output: {reason}", reason=err.reason) + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass
    return OUTPUT_FAILED


def finish(code: int) -> int:
    """Flush stdout now, where a failure can still be reported, and not at interpreter exit."""
    if _abandon["stdout"]:
        return code
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OutputError as e:
        return report_output_error(e)
    return code


def leave(code: int) -> None:
    """Exit with `code`; unwritten output of a cut run is dropped rather than flushed (a slow reader
    would block the exit, a full disk would print a second error)."""
    if _abandon["stdout"]:
        try:
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - nothing can be said any more
            pass
        os._exit(code)
    sys.exit(code)

"""The `gdsim` command: a Typer app whose subcommands live one per module, and the one place
where exceptions become exit codes (GdsimError → 2 with one line, Ctrl-C → 130, a bug → 1)."""

from __future__ import annotations

import os
import sys

# Nothing heavy is imported before main() has installed the signal handlers: typer, rich and the
# core come later, so that Ctrl-C or SIGTERM during start-up is handled like any other.

# Each subcommand lives in its own module; `register(app)` adds it. Building every command's
# parameters costs ~40 ms, so a run builds only the command it was asked for.
COMMANDS = {
    "derive": "gdsim.cli.derive",
    "descend": "gdsim.cli.descend",
    "sgd": "gdsim.cli.sgd",
    "sweep": "gdsim.cli.sweep",
    "practice": "gdsim.cli.practice",
    "presets": "gdsim.cli.presets",
    "lab": "gdsim.cli.presets",
}


def _version(value: bool):
    import typer

    from gdsim import __version__

    if value:
        print(f"gdsim {__version__}")
        raise typer.Exit(0)


def build_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just `only` (what a normal run needs)."""
    import typer

    application = typer.Typer(
        name="gdsim",
        help="A terminal lab for derivatives and gradient descent: derive, descend, and minibatch SGD.",
        add_completion=False,
        no_args_is_help=True,
        context_settings={"help_option_names": ["-h", "--help"]},
        pretty_exceptions_enable=False,
    )

    @application.callback()
    def _root(
        version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ) -> None:
        """A terminal lab for derivatives and gradient descent: derive, descend, and minibatch SGD."""

    import importlib

    modules = [COMMANDS[only]] if only in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
        importlib.import_module(name).register(application, only)
    return application


_OPTION = r"^--?[A-Za-z][A-Za-z0-9-]*(=.*)?$"
_NEGATIVE_NUMBER = r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?(,[-+]?[0-9.eE+-]+)*$"  # -3, -1.5, -1,2


def _protect_expressions(argv: list[str]) -> list[str]:
    """Let a function that starts with a minus sign ("-x^2") be typed without `--`."""
    import re

    out = list(argv)
    for i, tok in enumerate(out):
        if tok == "--":
            break
        # -h, -f and -o are the only short options: "-x" is a function, not an unknown option.
        is_option = re.match(_OPTION, tok) and (tok.startswith("--") or tok[1] in "hfo")
        if tok.startswith("-") and not is_option and not re.match(_NEGATIVE_NUMBER, tok):
            prev = out[i - 1] if i else ""
            if prev.startswith("-") and "=" not in prev and prev not in _FLAGS:
                continue  # it is the value of the option before it
            out[i] = " " + tok  # a leading space keeps the option parser's hands off it
            break
    return out


_FLAGS = {"--hessian", "--steps", "--check", "--no-plot", "--plot", "--no-shuffle", "--shuffle", "--pause", "--log", "--linear", "-h", "--help", "--version"}


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script."""
    from gdsim.cli import streams

    streams.catch_signals()  # first: an interrupt from here on ends with one line and exit 130
    try:
        code = streams.guard_standard_streams()
        if code is None:
            args = _protect_expressions(sys.argv[1:] if argv is None else argv)
            code = run(args)
        code = streams.finish(code)
    except KeyboardInterrupt as stop:  # during start-up or the last flush
        code = streams.report_interrupt(stop)
    streams.leave(code)


def run(args: list[str]) -> int:
    from gdsim.cli import streams
    from gdsim.cli.common import Exit, one_line, report_error
    from gdsim.errors import GdsimError

    try:
        import typer

        first = next((a for a in args if not a.startswith("-")), None)
        command = typer.main.get_command(build_app(first))
        # The command is invoked here rather than through its main(), which would turn Ctrl-C
        # into a silent exit 130 before gdsim could say what was cut short.
        with command.make_context("gdsim", list(args)) as ctx:
            result = command.invoke(ctx)
        return result if isinstance(result, int) else 0
    except Exit as e:
        return e.code
    except GdsimError as e:
        return report_error(e)
    except KeyboardInterrupt as stop:
        return streams.report_interrupt(stop)
    except BrokenPipeError:
        return 0
    except streams.OutputError as e:
        return streams.report_output_error(e)
    except Exception as e:  # click's usage errors, or a bug
        if type(e).__name__ == "Exit" and hasattr(e, "exit_code"):
            return e.exit_code  # --help, --version
        if hasattr(e, "format_message") and hasattr(e, "exit_code"):
            message = one_line(e.format_message().replace("\n", " "))
            if message:  # `gdsim` or `gdsim lab` alone: the help was the answer, no error line
                sys.stderr.write(f"error: {message}\n")
            if type(e).__name__ == "Abort":
                return 130
            return 2 if e.exit_code in (1, 2) and type(e).__name__ != "ClickException" else e.exit_code
        if type(e).__name__ == "Abort":
            return streams.report_interrupt(KeyboardInterrupt())
        if os.environ.get("GDSIM_DEBUG") == "1":
            raise
        sys.stderr.write(f"gdsim: internal error ({type(e).__name__}: {one_line(str(e))}); run with GDSIM_DEBUG=1 for details\n")
        return 1


def __getattr__(name: str):
    # `gdsim.cli.app.app`, the whole app (for typer.testing.CliRunner), built on first use.
    if name == "app":
        return build_app()
    raise AttributeError(name)

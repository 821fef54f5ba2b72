"""`python -m gdsim` runs the command-line tool."""

from gdsim.cli.app import main

if __name__ == "__main__":
    main()

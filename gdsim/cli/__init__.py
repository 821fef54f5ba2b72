"""The command line: one module per subcommand, each parsing options, calling the core and handing
its result to a renderer; GdsimError becomes one line on stderr and exit code 2."""

"""The ``one-logger`` command line tool (stdlib argparse only, so it works with the bare core install)."""

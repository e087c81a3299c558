"""The runtime process: provision the template's resources in moto, then serve the functions."""

import argparse

from devstack.provision import provision
from devstack.runtime import apply_environment, serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m devstack.serve")
    parser.add_argument("--web", required=True)
    parser.add_argument("--moto", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--no-schedules", action="store_true")
    options = parser.parse_args()
    stack = provision(options.moto, options.web, options.sandbox)
    apply_environment(stack, options.moto)
    serve(stack, options.moto, options.web, schedules=not options.no_schedules)


if __name__ == "__main__":
    main()

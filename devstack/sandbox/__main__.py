"""`python -m devstack.sandbox [--host 127.0.0.1] [--port 8700]`: run the X API sandbox."""

from devstack.sandbox.server import DEFAULT_PORT, serve
from devstack.sandbox.serving import command_line


def main() -> None:
    command_line("Run the local X API v2 sandbox.", DEFAULT_PORT, serve)


if __name__ == "__main__":
    main()

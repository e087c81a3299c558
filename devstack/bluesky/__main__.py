"""`python -m devstack.bluesky [--host 127.0.0.1] [--port 8701]`: run the Bluesky sandbox."""

from devstack.bluesky.server import DEFAULT_PORT, serve
from devstack.sandbox.serving import command_line


def main() -> None:
    command_line("Run the local Bluesky (XRPC) sandbox.", DEFAULT_PORT, serve)


if __name__ == "__main__":
    main()

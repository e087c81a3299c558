"""`python -m devstack.mastodon [--host 127.0.0.1] [--port 8702]`: run the Mastodon sandbox."""

from devstack.mastodon.server import DEFAULT_PORT, serve
from devstack.sandbox.serving import command_line


def main() -> None:
    command_line("Run the local Mastodon instance sandbox.", DEFAULT_PORT, serve)


if __name__ == "__main__":
    main()

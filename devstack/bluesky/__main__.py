"""`python -m devstack.bluesky [--host 127.0.0.1] [--port 8701]`: run the Bluesky sandbox."""

import argparse

from devstack.bluesky.server import DEFAULT_HOST, DEFAULT_PORT, serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local Bluesky (XRPC) sandbox.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    options = parser.parse_args()
    serve(options.host, options.port)


if __name__ == "__main__":
    main()

"""`python -m devstack.sandbox [--host 127.0.0.1] [--port 8700]`: run the X API sandbox."""

import argparse

from devstack.sandbox.server import DEFAULT_HOST, DEFAULT_PORT, serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Run the local X API v2 sandbox.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    options = parser.parse_args()
    serve(options.host, options.port)


if __name__ == "__main__":
    main()

"""`make signin-link EMAIL=...`: a sign-in link for a member of the running local stack, without
email.

It makes the direct invocation of the web function that `aws lambda invoke` makes on a deployed
stack (docs/deploy.md): {"chatdeck": "signin-link", "email": ...}, run in-process as the runtime
runs the handlers, with the environment the running stack gave them (the runtime writes it to
`.devstack/stack.json` when it starts). Standard output carries the link alone, one line; for an
address that is not a member's, or when the local stack is not running, it prints nothing there,
says why on standard error and exits non-zero.
"""

import argparse
import contextlib
import json
import os
import sys
import uuid
from typing import Any

from devstack.__main__ import PIDS, STATE_DIR, answers
from devstack.provision import Stack
from devstack.runtime import LambdaContext, apply_environment, load_handler

STACK_FILE = STATE_DIR / "stack.json"
WEB_FUNCTION = "WebFunction"
NOT_RUNNING = 2
NO_LINK = 1


def remember(stack: Stack, moto_url: str) -> None:
    """Called by the runtime once its stack is provisioned: what this command needs to invoke
    the web function as the runtime does (names and URLs only; nothing secret)."""
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    STACK_FILE.write_text(
        json.dumps(
            {
                "moto": moto_url,
                "handler": stack.handlers[WEB_FUNCTION],
                "environment": stack.environment,
            }
        )
    )


def running_stack() -> dict[str, Any] | None:
    """The running local stack's web function, or None unless its runtime and moto are up."""
    try:
        pids = json.loads(PIDS.read_text())
        stack: dict[str, Any] = json.loads(STACK_FILE.read_text())
    except (OSError, ValueError):
        return None
    runtime = pids.get("runtime") if isinstance(pids, dict) else None
    if not isinstance(runtime, int) or not alive(runtime):
        return None
    if not answers(f"{stack['moto']}/moto-api/"):
        return None
    return stack


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def invoke(stack: dict[str, Any], email: str) -> dict[str, Any]:
    """The web function's answer to the direct event. Its log lines go to standard error:
    powertools binds standard output when the handler's modules are first imported, here."""
    with contextlib.redirect_stdout(sys.stderr):
        apply_environment(Stack(parameters={}, environment=stack["environment"]), stack["moto"])
        handler = load_handler(stack["handler"])
        event = {"chatdeck": "signin-link", "email": email}
        answer: dict[str, Any] = handler(event, LambdaContext(WEB_FUNCTION, uuid.uuid4().hex))
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="make signin-link EMAIL=<address>",
        description="A sign-in link for a member of the running local stack, without email.",
    )
    parser.add_argument("email", help="a member's address (an admin's, such as the seeded one)")
    options = parser.parse_args(argv)
    if not options.email.strip():
        parser.print_usage(sys.stderr)
        print("Give the member's address: make signin-link EMAIL=<address>", file=sys.stderr)
        return NO_LINK
    stack = running_stack()
    if stack is None:
        print(
            f"The local stack is not running (no live runtime in {STATE_DIR}): start it with "
            "`make dev`.",
            file=sys.stderr,
        )
        return NOT_RUNNING
    answer = invoke(stack, options.email)
    link = answer.get("link")
    if not isinstance(link, str) or not link:
        print(f"No sign-in link: {answer.get('error', answer)}.", file=sys.stderr)
        return NO_LINK
    print(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())

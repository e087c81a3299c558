"""Refusals a person can meet, raised by services and mapped to HTTP in one place (web/app.py).

Each carries a sentence for the person who asked; none says more than they may know.
"""


class Refused(Exception):
    """Not done, for a reason the person can read in `message`."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(Refused):
    """A member asked for something only an admin, or nobody, may do."""

    status = 403


class NotFound(Refused):
    """No such thing, or not one this member may see (which, is not said)."""

    status = 404


class Conflict(Refused):
    """The thing changed or moved on since the person looked at it."""

    status = 409


class InvalidCursor(Refused):
    def __init__(self, cursor: str) -> None:
        super().__init__("That page link is not valid; start again from the first page.")
        self.cursor = cursor


class InvalidLink(Exception):
    """The sign-in link is unknown, used, or expired (which, is not said)."""


class ConnectError(Exception):
    """Connecting a network account did not work. `message` is a sentence for the member."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

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


class SignedInAsOther(Conflict):
    """A sign-in link for one member opened in a browser signed in as another: nothing changes
    (signing in would swap accounts under the person's feet); they sign out first."""

    def __init__(self, signed_in: str, link_for: str) -> None:
        super().__init__(
            f"You are signed in as {signed_in}; this link signs in {link_for}. "
            "Sign out first, then use the link again."
        )
        self.signed_in = signed_in
        self.link_for = link_for


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


class Unavailable(Exception):
    """A store Chatdeck depends on kept refusing (throttled, or failing on its side) past the
    bounded retries: the request did nothing and may simply be sent again. The web answers 503
    with a sentence saying so (web/app.py); the scheduled functions fail the tick as before."""

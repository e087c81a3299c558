"""Connect the cohort's Bluesky and Mastodon accounts in the local stack, so a new user can
cross-post at once.

The cohort's X account posts with the app's OAuth 1.0a credentials (seeded in SSM by provision).
Its Bluesky account signs in to the Bluesky sandbox with the sandbox's seeded app password, and
its Mastodon account goes through the Mastodon sandbox's own OAuth (with PKCE), both through the
same services an admin uses on the Accounts page; plain http is accepted because the local stack
allows loopback addresses (OUTBOUND_ALLOW_LOOPBACK_HTTP), which a deployed stack never does. A
sandbox that does not answer leaves its account unconnected, with a line saying so.
"""

from chatdeck.bootstrap import Services
from chatdeck.services.bluesky_accounts import connect_seeded as connect_bluesky
from chatdeck.services.mastodon_accounts import connect_seeded as connect_mastodon
from devstack.bluesky import COHORT_APP_PASSWORD, COHORT_HANDLE

COHORT = "cohort"
MASTODON_COHORT_USER = "cohort"


def connect_cohort_accounts(bluesky_url: str, mastodon_url: str, web_url: str) -> list[str]:
    """Connect the cohort's Bluesky and Mastodon accounts; one line per account saying how."""
    services = Services()
    said = []
    try:
        bluesky = connect_bluesky(services, COHORT, COHORT_HANDLE, COHORT_APP_PASSWORD, bluesky_url)
        said.append(f"Bluesky: the cohort posts as @{bluesky.username}")
    except Exception as error:  # the stack still starts; the Accounts page can connect it later
        said.append(f"Bluesky: the cohort's account is not connected ({error})")
    try:
        callback = f"{web_url}/accounts/mastodon/callback"
        mastodon = connect_mastodon(services, COHORT, mastodon_url, MASTODON_COHORT_USER, callback)
        said.append(f"Mastodon: the cohort posts as @{mastodon.username}")
    except Exception as error:
        said.append(f"Mastodon: the cohort's account is not connected ({error})")
    return said

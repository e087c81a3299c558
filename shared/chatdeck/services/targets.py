"""Which accounts a member may post to, and how long a post may be on each.

The form offers one checkbox per account, valued `<network>:<account>`: `x:cohort`,
`bluesky:cohort`, `mastodon:cohort` (the cohort's accounts: to admins, and to members while the
cohort allows it, whose posts to them wait for approval where approval is on) and `x:mine`,
`bluesky:mine`, `mastodon:mine` (the member's own, once connected). The cohort's X account
posts with the app's own OAuth 1.0a credentials and is always offered; every other account is
offered once it is connected. The length rule of each is the network's (Mastodon's from the
account's instance).
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from chatdeck.domain.accounts import StoredConnection
from chatdeck.domain.limits import BLUESKY_RULE, X_RULE, LengthRule, mastodon_rule
from chatdeck.domain.members import Member
from chatdeck.domain.outgoing import NETWORKS
from chatdeck.domain.posts import NETWORK_NAMES, FieldErrors
from chatdeck.ports import ConnectionStore, SettingsStore

COHORT, MINE = "cohort", "mine"
InstanceRule = Callable[[str], LengthRule]  # a Mastodon instance's base URL → its rule


@dataclass(frozen=True)
class TargetChoice:
    value: str  # as the form sends it: `bluesky:mine`
    network: str
    account: str  # as stored: `cohort` or `member:<email>`
    label: str
    rule: LengthRule

    @property
    def pair(self) -> tuple[str, str]:
        return self.network, self.account


class TargetDirectory:
    def __init__(
        self,
        connections: Mapping[str, ConnectionStore],
        settings: SettingsStore,
        instance_rule: InstanceRule | None = None,
    ) -> None:
        self.connections = connections
        self.settings = settings
        self.instance_rule = instance_rule

    def offered(self, member: Member) -> list[TargetChoice]:
        """Every account this member may post to now, the cohort's first."""
        choices = []
        cohort = member.is_admin or self.settings.members_post_to_cohort()
        for whose in (COHORT, MINE) if cohort else (MINE,):
            for network in NETWORKS:
                choice = self._choice(member, network, whose)
                if choice is not None:
                    choices.append(choice)
        return choices

    def chosen(self, member: Member, values: Iterable[str]) -> list[TargetChoice]:
        """The offered accounts among `values` (form values); FieldErrors for any other."""
        offered = {c.value: c for c in self.offered(member)}
        picked = [v for v in dict.fromkeys(values) if v]
        unknown = [v for v in picked if v not in offered]
        if unknown:
            raise FieldErrors(
                {"targets": "Connect that account on the Accounts page first, or choose another."}
            )
        if not picked:
            raise FieldErrors({"targets": "Choose at least one account to post to."})
        return [offered[v] for v in picked]

    def value_of(self, member: Member, network: str, account: str) -> str:
        """The form value of a stored target, as its author sees it."""
        return f"{network}:{MINE if account == member.own_account else account}"

    def _choice(self, member: Member, network: str, whose: str) -> TargetChoice | None:
        account = COHORT if whose == COHORT else member.own_account
        connection = self._connection(network, account)
        if connection is None and not (network == "x" and whose == COHORT):
            return None
        name = NETWORK_NAMES[network]
        label = f"The cohort's {name} account" if whose == COHORT else f"My own {name} account"
        if connection is not None:
            label += f" (@{connection.user.username})"
        return TargetChoice(
            f"{network}:{whose}", network, account, label, self._rule(network, connection)
        )

    def _connection(self, network: str, account: str) -> StoredConnection | None:
        store = self.connections.get(network)
        stored = store.get(account, decrypt=False) if store is not None else None
        return stored if stored is not None and stored.connected else None

    def _rule(self, network: str, connection: StoredConnection | None) -> LengthRule:
        if network == "x":
            return X_RULE
        if network == "bluesky":
            return BLUESKY_RULE
        server = connection.user.server if connection is not None else None
        if server and self.instance_rule is not None:
            try:
                return self.instance_rule(server)
            except Exception:  # an instance that cannot say: its default, checked again on send
                return mastodon_rule()
        return mastodon_rule()

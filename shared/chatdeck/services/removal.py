"""What removing a member takes away beside their membership (Membership.remove calls it).

- Their own accounts on every network (`member:<email>` on X, Bluesky and Mastodon): the tokens
  are revoked at the network as far as it lets us, and deleted, whatever the admin chose for
  their queued posts. A member invited again connects again; nothing comes back.
- Their queued posts to those accounts are cancelled, each target saying why: Chatdeck no
  longer acts as a removed member (one waiting for approval that also goes to the cohort's
  accounts loses its personal targets, so the rest can still be approved). This goes first, so
  the publisher never finds such a post with its account gone and emails its author a failure.
  Posts to the cohort's accounts follow the admin's choice (`cancel_queued`).
- Their subscriptions (one per chat) and their counts of sign-in link requests.
- Their calendar feed address, last (nearest the membership's end): its URLs answer 404 at once.
Everything is found by key or by the author index, never a Scan. Each step can be done again, so
a removal that failed midway is finished by removing again.
"""

from collections.abc import Mapping
from typing import Protocol

from chatdeck.domain.members import Member
from chatdeck.domain.posts import CANCELLABLE, PostStatus
from chatdeck.ports import ChatStore, PostStore, SignInLinkStore, SubscriptionStore


class ConnectedAccounts(Protocol):
    """One network's connected accounts (services.accounts.Accounts for X, BlueskyAccounts,
    MastodonAccounts)."""

    def disconnect(self, account: str) -> bool:
        """Revoke the account's tokens at the network, as far as it lets us, and delete them;
        False when it was not connected."""


def removed_reason(member: Member) -> str:
    return (
        f"{member.name} was removed from the cohort, so Chatdeck no longer posts to their own "
        "accounts."
    )


class Removal:
    def __init__(
        self,
        posts: PostStore,
        links: SignInLinkStore,
        chats: ChatStore,
        subscriptions: SubscriptionStore,
        accounts: Mapping[str, ConnectedAccounts],
    ) -> None:
        self.posts = posts
        self.links = links
        self.chats = chats
        self.subscriptions = subscriptions
        self.accounts = accounts  # by network: "x", "bluesky", "mastodon"

    def forget(self, member: Member) -> set[str]:
        """Cancel the member's queued posts to their own accounts, disconnect those accounts on
        every network, and delete their subscriptions and link requests. Answers the ids of the
        posts that had a target cancelled."""
        cancelled = self.cancel_personal(member)
        own = member.own_account
        for network in self.accounts:
            self.accounts[network].disconnect(own)
        self.links.forget_requests(member.email)
        for chat in self.chats.all():
            self.subscriptions.unsubscribe(chat.id, member.email, "all")
        self.chats.revoke_feed(member.email)
        return cancelled

    def cancel_personal(self, member: Member) -> set[str]:
        """Cancel every target not yet started of the member's posts that goes to one of their
        own accounts, with the reason; the ids of the posts touched. A post that waits for
        approval and goes to other accounts too loses its personal targets instead (as an edit
        would take them away), so an admin can still approve or decline the rest of it."""
        reason, touched = removed_reason(member), set()
        for post in self.posts.by_author(member.email):
            personal = [t for t in post.targets if t.account == member.own_account]
            others = tuple(t for t in post.targets if t.account != member.own_account)
            if not any(t.status in CANCELLABLE for t in personal):
                continue
            if others and post.status is PostStatus.PENDING_APPROVAL:
                if self.posts.replace(post.model_copy(update={"targets": others}), post):
                    touched.add(post.id)
                continue
            for target in personal:
                if target.status in CANCELLABLE and self.posts.cancel_target(
                    post.id, target.key, reason
                ):
                    touched.add(post.id)
        return touched

    def cancel_queued(self, email: str) -> set[str]:
        """Cancel what is left of the member's posts that has not started (the admin chose so)."""
        return {
            post.id
            for post in self.posts.by_author(email)
            # Every target not started, even of a post another target of which is publishing.
            if self.posts.cancel(post.id) is not None
        }

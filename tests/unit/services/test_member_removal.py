"""Removing a member, on the fakes: their own accounts on every network are disconnected (tokens
revoked and deleted) and their queued posts to them cancelled with a reason, whatever the admin
chose for their queued posts; posts to the cohort's accounts follow that choice (issue 10)."""

import pytest

from chatdeck.domain.posts import PostStatus
from tests.unit.services.kit import NOW, OTHER_TEACHER, TEACHER, Kit

DUE = NOW.replace(hour=20)


@pytest.mark.parametrize("cancel_queued", [True, False])
def test_removal_disconnects_the_members_own_bluesky_and_mastodon_accounts(
    kit: Kit, cancel_queued: bool
) -> None:
    member = kit.add_member(TEACHER)
    kit.connect_own_bluesky(member)
    kit.connect_own_mastodon(member)
    bluesky = kit.bluesky_connections.get(member.own_account)
    mastodon = kit.mastodon_connections.get(member.own_account)
    assert bluesky is not None and bluesky.tokens is not None
    assert mastodon is not None and mastodon.tokens is not None

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=cancel_queued)

    for store in (kit.bluesky_connections, kit.mastodon_connections):
        stored = store.get(member.own_account)
        assert stored is not None and not stored.connected and stored.tokens is None
    assert kit.bluesky_accounts.connection(member.own_account) is None
    assert kit.mastodon_accounts.connection(member.own_account) is None
    # Ended at the networks too, as far as they let us.
    assert kit.bluesky_sessions.ended == [(bluesky.user.server, bluesky.tokens.refresh_token)]
    assert kit.mastodon_oauth.revoked == [(mastodon.user.server, mastodon.tokens.access_token)]


def test_a_member_invited_again_does_not_get_their_old_connections_back(kit: Kit) -> None:
    member = kit.add_member(TEACHER)
    kit.connect_own_account(member)
    kit.connect_own_bluesky(member)
    kit.connect_own_mastodon(member)

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)
    kit.membership.invite(
        kit.admin(), {"name": "Ana Rivera", "email": TEACHER}, "https://chatdeck.example", NOW
    )
    again = kit.membership.member(TEACHER)
    assert again is not None

    assert kit.accounts.connected(again)[0] is None
    assert kit.bluesky_accounts.connected(again)[0] is None
    assert kit.mastodon_accounts.connected(again)[0] is None


@pytest.mark.parametrize("cancel_queued", [True, False])
def test_queued_posts_to_the_members_own_accounts_are_cancelled_with_a_reason(
    kit: Kit, cancel_queued: bool
) -> None:
    member = kit.add_member(TEACHER)
    own = member.own_account
    personal = kit.schedule("On my own account.", DUE, targets=(("x", own), ("bluesky", own)))
    both = kit.schedule("Mine and the cohort's.", DUE, targets=(("mastodon", own), ("x", "cohort")))
    cohort = kit.schedule("The cohort's only.", DUE)

    cancelled = kit.membership.remove(kit.admin(), TEACHER, cancel_queued=cancel_queued)

    for target in kit.post(personal.id).targets:
        assert target.status is PostStatus.CANCELLED
        assert (
            target.reason is not None and "Ana Rivera was removed from the cohort" in target.reason
        )
    assert kit.target(both.id, f"mastodon:{own}").status is PostStatus.CANCELLED
    left = PostStatus.CANCELLED if cancel_queued else PostStatus.QUEUED
    assert kit.target(both.id, "x:cohort").status is left
    assert kit.target(cohort.id).status is left
    assert cancelled == (3 if cancel_queued else 2)
    kit.tick(DUE)  # nothing goes to the removed member's accounts, and no one is emailed a failure
    assert kit.bluesky.published() == [] and kit.mastodon.published() == []
    # the publisher sends on several threads: in any order
    assert sorted(kit.published_texts()) == (
        [] if cancel_queued else sorted([both.text, cohort.text])
    )
    assert kit.emails_to(TEACHER) == []


def test_removal_leaves_other_members_posts_and_connections_alone(kit: Kit) -> None:
    kit.add_member(TEACHER)
    other = kit.add_member(OTHER_TEACHER, name="Ben Okafor")
    kit.connect_own_bluesky(other)
    kit.connect_own_mastodon(other)
    theirs = kit.schedule(
        "Ben's own.", DUE, author=OTHER_TEACHER, targets=(("bluesky", other.own_account),)
    )

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=True)

    assert kit.bluesky_accounts.connection(other.own_account) is not None
    assert kit.mastodon_accounts.connection(other.own_account) is not None
    assert kit.bluesky_sessions.ended == [] and kit.mastodon_oauth.revoked == []
    assert kit.target(theirs.id).status is PostStatus.QUEUED


def test_a_member_whose_tokens_cannot_be_opened_is_still_removed(kit: Kit) -> None:
    member = kit.add_member(TEACHER)
    kit.connect_own_bluesky(member)
    kit.connect_own_mastodon(member)
    kit.bluesky_connections.lose_data_key()
    kit.mastodon_connections.lose_data_key()

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)

    assert kit.membership.member(TEACHER) is None
    assert kit.bluesky_accounts.connection(member.own_account) is None
    assert kit.mastodon_accounts.connection(member.own_account) is None


def test_a_post_waiting_for_approval_keeps_its_cohort_part_approvable(kit: Kit) -> None:
    kit.cohort_settings.set_require_approval(True)
    member = kit.add_member(TEACHER)
    kit.connect_own_account(member)
    form = {
        "submission_id": "form-5e2d3c4b",
        "text": "Mine and the cohort's, waiting.",
        "local_date": DUE.date().isoformat(),
        "local_time": "20:00",
        "zone": "UTC",
        "targets": "x:mine,x:cohort",
    }
    waiting = kit.scheduling.schedule(member, form, NOW)
    assert waiting.status is PostStatus.PENDING_APPROVAL

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=False)
    seen = kit.post(waiting.id)
    approved = kit.scheduling.approve(kit.admin(), waiting.id, str(seen.version), {}, NOW)

    assert [(t.key, t.status) for t in approved.targets] == [("x:cohort", PostStatus.QUEUED)]
    kit.tick(DUE)
    assert kit.published_texts() == [waiting.text]


def test_cancelling_a_removed_members_queued_posts_reaches_a_target_beside_one_publishing(
    kit: Kit,
) -> None:
    kit.add_member(TEACHER)
    post = kit.schedule("Half out already.", DUE, targets=(("x", "cohort"), ("bluesky", "cohort")))
    [x_job] = [j for j in kit.posts.due(DUE) if j.target.network == "x"]
    assert kit.publisher.claim(x_job, DUE) is not None  # X is being sent right now

    kit.membership.remove(kit.admin(), TEACHER, cancel_queued=True)

    assert kit.target(post.id, "x:cohort").status is PostStatus.PUBLISHING
    assert kit.target(post.id, "bluesky:cohort").status is PostStatus.CANCELLED

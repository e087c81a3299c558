"""Publishing tests written for mutants `make mutate` found alive in the core (bench/mutation.py):
each asserts what an author or admin would see go wrong if that line were changed.

A publisher that stalls past its lease has lost its claim: another took the post over. Whatever
the slow one's own send then says, it must record nothing and tell nobody, or an author hears
"your post failed" about a post that went out (`record(...) or True` survived every other test).
"""

from datetime import timedelta

from chatdeck.domain.outcomes import Rejected
from chatdeck.domain.posts import PostStatus
from chatdeck.services.publishing import RETRY_AFTER_NOT_FOUND
from tests.unit.services.kit import LEASE, NOW, Kit

DUE = NOW


def test_a_publisher_whose_claim_was_taken_over_tells_nobody_its_send_failed(kit: Kit) -> None:
    post = kit.schedule("A slow publisher's post.", DUE)
    slow = kit.publisher
    claimed = slow.claim(kit.posts.due(DUE)[0], DUE)
    assert claimed is not None
    # It stalls past its lease: the next tick takes the post over, does not find it on the
    # account, queues it again, and the one after posts it.
    after_lease = DUE + LEASE + timedelta(seconds=1)
    kit.tick(after_lease, kit.another_publisher())
    kit.tick(after_lease + RETRY_AFTER_NOT_FOUND, kit.another_publisher())
    assert kit.target(post.id).status is PostStatus.POSTED

    # The slow one wakes; X refuses its send.
    kit.network.script(Rejected("X refused the post."))
    outcome = slow.send(claimed, after_lease + RETRY_AFTER_NOT_FOUND)

    assert outcome == "lost"
    assert kit.target(post.id).status is PostStatus.POSTED
    assert kit.mailer.sent == []

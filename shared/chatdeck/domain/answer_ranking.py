"""Which answers are best, by what is known of them.

A network's counts (likes, reposts, replies, quotes) are known for posts read from X, Bluesky or
Mastodon, and unknown (None) for a transcript imported without them. So answers are ranked:

1. by ``ArchivedPost.engagement`` (likes + 2 * (reposts + quotes) + replies), counting only the
   counts that are known: a post with none known scores 0, so it follows every post whose
   counts show engagement, and ties with the ones that show none;
2. then by the replies it got within the session, then the quotes within the session (what the
   archive itself shows people answered or passed on: known even when counts are not);
3. then the earliest first.

So with counts the order is the one it always was (engagement, then time) unless the session
itself breaks a tie, and without counts it is the session's own conversation, then time.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime

from chatdeck.domain.archive import ArchivedPost

RankKey = tuple[int, int, int, datetime, int, str]


def best_answer_order(session_posts: Iterable[ArchivedPost]) -> Callable[[ArchivedPost], RankKey]:
    """A sort key putting the best answers first, given every post of the session."""
    replies: Counter[tuple[str, str]] = Counter()
    quotes: Counter[tuple[str, str]] = Counter()
    for post in session_posts:
        if post.reply_to:
            replies[(post.network, post.reply_to)] += 1
        if post.quote_of:
            quotes[(post.network, post.quote_of)] += 1

    def key(post: ArchivedPost) -> RankKey:
        return (
            -post.engagement,
            -replies[post.key],
            -quotes[post.key],
            post.created_at,
            len(post.id),  # X's ids are numbers of growing length
            post.id,
        )

    return key

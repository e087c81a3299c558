"""A property of the X spending cap, over random sequences on the fakes: whatever is posted and
read, and however time passes, the month's X spending never passes the cap by one call's price
(a search of X's smallest page, 10 posts: the only call whose price is known only after it).
Posts never pass it at all. Raising the cap midway holds the same against the highest cap set."""

from datetime import timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from chatdeck.domain.spending import PRICE_MILLS, cap_mills
from tests.unit.services.kit import START, a_tweet
from tests.unit.services.test_x_spending import capped

ONE_SEARCH = 10 * PRICE_MILLS["read"]  # X answers at least 10 posts a search

posting = st.tuples(st.just("post"), st.booleans(), st.integers(1, 3))
reading = st.tuples(st.just("read"), st.integers(0, 150), st.just(0))
waiting = st.tuples(st.just("wait"), st.integers(1, 600), st.just(0))  # minutes
raising = st.tuples(st.just("raise"), st.integers(1, 50), st.just(0))  # cents
steps = st.lists(st.one_of(posting, reading, waiting, raising), max_size=25)


@settings(max_examples=150, deadline=None)
@given(cents=st.integers(0, 300), script=steps)
def test_spending_never_passes_the_cap_by_more_than_one_search(
    cents: int, script: list[tuple[str, object, int]]
) -> None:
    cap = Decimal(cents) / 100
    c = capped(str(cap), now=START)
    chat = c.kit.follow()
    occurrence = next(o for o in c.poller.live(START) if o[0].id == chat.id)[1]
    c.kit.archive.start(c.poller.new_session(chat, occurrence))
    now, serial, posts = START, 0, 0
    for kind, value, count in script:
        if kind == "post":
            for _ in range(count):
                posts += 1
                text = f"Post {posts}" + (" https://example.org/p" if value else "")
                c.kit.schedule(text, now.replace(second=0, microsecond=0))
            c.tick(now)
        elif kind == "read":
            assert isinstance(value, int)
            fresh = [a_tweet(serial + n, f"#edtechchat {serial + n}") for n in range(value)]
            serial += value
            c.kit.network.stage(*fresh)
            session = c.kit.archive.get(occurrence.id)
            assert session is not None
            c.poller.poll_network(session, "x", now)
        elif kind == "wait":
            assert isinstance(value, int)
            now += timedelta(minutes=value)
        else:
            assert isinstance(value, int)
            cap += Decimal(value) / 100
            c.guard.set_cap(c.kit.admin(), str(cap))
        spent = c.store.month(now.strftime("%Y-%m"))
        limit = cap_mills(cap)
        assert limit is not None
        assert spent.mills <= limit + ONE_SEARCH - PRICE_MILLS["read"], (spent, cap)
        posts_mills = spent.mills - spent.reads * PRICE_MILLS["read"]
        assert posts_mills <= limit

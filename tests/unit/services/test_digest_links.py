"""A digest groups links by where they lead: its shortened links expanded before it is built
(through the LinkExpander port, a stand-in here), one not expanded kept as posted."""

from collections.abc import Sequence
from datetime import timedelta

from chatdeck.domain.archive import ArchivedPost
from chatdeck.services.digests import Digests
from tests.unit.services.kit import START, Kit, a_tweet

ARTICLE = "https://example.org/2026/feedback-that-lands"


class ExpandsBitly:
    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def expand(self, urls: Sequence[str]) -> dict[str, str]:
        self.asked.append(list(urls))
        return {url: ARTICLE for url in urls if url.startswith("https://bit.ly/")}


def test_the_digest_groups_a_short_link_with_the_address_it_leads_to(kit: Kit) -> None:
    chat = kit.follow()
    posts: list[ArchivedPost] = [
        a_tweet(1, "Q1 What do you read? #edtechchat", by="edtechmod", minute=1),
        a_tweet(2, "A1 https://bit.ly/3xYz12 #edtechchat", links=("https://bit.ly/3xYz12",)),
        a_tweet(3, "A1 same! #edtechchat", by="ben", minute=6, links=(ARTICLE + "?utm_source=x",)),
        a_tweet(4, "A1 and this #edtechchat", by="eve", minute=7, links=("https://buff.ly/4kq",)),
    ]
    kit.network.stage(*posts)
    for minutes in range(-15, 105, 15):
        kit.poller.poll(START + timedelta(minutes=minutes))
    links = ExpandsBitly()
    digests = Digests(
        kit.archive, kit.chats, kit.subscriptions, kit.membership, kit.notices, links=links
    )
    page = digests.for_page(chat, kit.calendar._session_occurrence(chat.id, "20261103T0100Z")[1])

    assert page is not None
    assert [(link.url, link.count, link.first_shared_by) for link in page.digest.links] == [
        (ARTICLE, 2, "ana"),
        ("https://buff.ly/4kq", 1, "eve"),  # not expanded: kept as posted
    ]
    assert links.asked == [["https://bit.ly/3xYz12", "https://buff.ly/4kq"]]
    assert page.digest.numbers.links == 2


def test_a_session_without_short_links_asks_nothing(kit: Kit) -> None:
    chat = kit.follow()
    kit.network.stage(a_tweet(1, "A1 read this #edtechchat", links=(ARTICLE,)))
    for minutes in range(-15, 105, 15):
        kit.poller.poll(START + timedelta(minutes=minutes))
    links = ExpandsBitly()
    digests = Digests(
        kit.archive, kit.chats, kit.subscriptions, kit.membership, kit.notices, links=links
    )
    page = digests.for_page(chat, kit.calendar._session_occurrence(chat.id, "20261103T0100Z")[1])
    assert page is not None and [link.url for link in page.digest.links] == [ARTICLE]
    assert links.asked == []

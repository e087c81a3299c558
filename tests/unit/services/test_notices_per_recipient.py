"""A notice to several people goes as one email per recipient, each its own notice (sent once):
an author never sees the admins' addresses, nor an admin another admin's (issue 10)."""

from datetime import timedelta

from chatdeck.domain.outcomes import AccountUnavailable, CannotTell
from tests.unit.services.kit import ADMIN, NOW, TEACHER, Kit, build_kit

SECOND_ADMIN = "lead@cohort.example"


def two_admins() -> Kit:
    kit = build_kit(admins=(ADMIN, SECOND_ADMIN))
    kit.add_member(TEACHER)
    return kit


def test_an_unconfirmed_post_is_one_email_to_the_author_and_one_to_each_admin() -> None:
    kit = two_admins()
    post = kit.schedule("Did it go out? Nobody can tell.", NOW)
    kit.network.lose_answer()
    kit.network.cannot_tell = CannotTell("X's list of the account's posts could not be read.")

    kit.tick(NOW)
    kit.tick(NOW + timedelta(minutes=5))  # asking again sends nothing more

    assert [email.to for email in kit.mailer.sent] == [[TEACHER], [ADMIN], [SECOND_ADMIN]]
    for email in kit.mailer.sent:
        assert post.text in email.text
    assert len(kit.notice_log.notices) == 3  # each recipient's own notice, recorded once


def test_a_paused_account_is_one_email_to_each_admin() -> None:
    kit = two_admins()
    kit.schedule("Paused before it goes.", NOW)
    kit.network.script(AccountUnavailable("X refused the cohort's credentials."))

    kit.tick(NOW)
    kit.tick(NOW + timedelta(minutes=1))

    assert [email.to for email in kit.mailer.sent] == [[ADMIN], [SECOND_ADMIN]]
    assert kit.emails_to(TEACHER) == []

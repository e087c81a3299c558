"""The scheduling form as a teacher fills it in: what is accepted, and what each mistake says."""

from datetime import UTC, datetime, timedelta

import pytest

from chatdeck.domain.limits import BLUESKY_RULE, X_RULE, mastodon_rule
from chatdeck.domain.posts import (
    FieldErrors,
    Post,
    PostStatus,
    approve_post,
    decline_post,
    edit_post,
    post_from_form,
)

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 10:00 in New York


def form(**changes: str) -> dict[str, str]:
    values = {
        "submission_id": "sub-12345678",
        "text": "Join #edtechchat tonight: Q1 is about feedback that works.",
        "local_date": "2026-12-01",
        "local_time": "20:00",
        "zone": "America/New_York",
    }
    return {**values, **changes}


def schedule(
    values: dict[str, str],
    needs_approval: bool = False,
    targets: tuple[tuple[str, str], ...] = (("x", "cohort"),),
) -> Post:
    rules = {"x": X_RULE, "bluesky": BLUESKY_RULE, "mastodon": mastodon_rule()}
    return post_from_form(
        values,
        NOW,
        author_name="Ms. Rivera",
        author_email="rivera@school.example",
        targets=targets,
        rules=[rules[network] for network, _ in targets],
        needs_approval=needs_approval,
    )


def errors_of(**changes: str) -> FieldErrors:
    with pytest.raises(FieldErrors) as refused:
        schedule(form(**changes))
    return refused.value


def test_a_good_form_becomes_a_queued_post_due_at_the_utc_instant() -> None:
    post = schedule(form())
    assert post.status is PostStatus.QUEUED
    assert post.due_utc == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert post.targets[0].next_action_at == post.due_utc
    assert (post.zone, post.utc_offset, str(post.local_time)) == (
        "America/New_York",
        "-05:00",
        "20:00:00",
    )
    assert (post.author_name, post.author_email) == ("Ms. Rivera", "rivera@school.example")
    assert post.id == "sub-12345678"


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_an_empty_post_is_refused(text: str) -> None:
    assert "text" in errors_of(text=text).errors


def test_over_280_by_weighted_count_is_refused_with_the_count() -> None:
    message = errors_of(text="漢" * 141).errors["text"]
    assert "282" in message and "280" in message


def test_five_long_urls_are_accepted_because_each_counts_23() -> None:
    urls = " ".join(f"https://example.org/resources/{i}/{'x' * 60}" for i in range(5))
    assert len(urls) > 280
    post = schedule(form(text=urls))
    assert post.text == urls


def test_a_time_in_the_past_is_refused() -> None:
    assert "passed" in errors_of(local_date="2026-11-26", local_time="09:00").errors["local_time"]


def test_one_minute_of_grace_for_a_form_submitted_at_the_due_minute() -> None:
    post = schedule(form(local_date="2026-11-26", local_time="09:59"))
    assert post.due_utc == datetime(2026, 11, 26, 14, 59, tzinfo=UTC)


def test_more_than_a_year_ahead_is_refused() -> None:
    assert "year" in errors_of(local_date="2027-12-01").errors["local_date"]


def test_an_unknown_zone_is_refused_by_name() -> None:
    assert "Mars/Olympus" in errors_of(zone="Mars/Olympus").errors["zone"]


def test_a_gap_time_is_refused_naming_the_first_valid_time() -> None:
    message = errors_of(local_date="2027-03-14", local_time="02:30").errors["local_time"]
    assert "does not exist" in message and "03:00" in message


def test_an_overlap_time_offers_the_two_offsets() -> None:
    refused = errors_of(local_date="2027-11-07", local_time="01:30")
    assert refused.offset_choices == ("-04:00", "-05:00")
    assert "twice" in refused.errors["local_time"]


def test_an_overlap_time_with_a_chosen_offset_is_accepted() -> None:
    post = schedule(form(local_date="2027-11-07", local_time="01:30", utc_offset="-05:00"))
    assert post.due_utc == datetime(2027, 11, 7, 6, 30, tzinfo=UTC)


def test_every_wrong_field_gets_its_own_message() -> None:
    refused = errors_of(text="", local_date="tomorrow", zone="Nowhere/Special")
    assert set(refused.errors) == {"text", "local_date", "zone"}
    assert refused.errors["local_date"] == "Enter a date such as 2026-12-01."


def test_a_missing_field_says_it_is_required() -> None:
    values = form()
    del values["local_time"]
    with pytest.raises(FieldErrors) as refused:
        schedule(values)
    assert refused.value.errors["local_time"] == "This is required."


def test_a_post_that_needs_approval_waits_off_the_work_index() -> None:
    post = schedule(form(), needs_approval=True)
    assert post.status is PostStatus.PENDING_APPROVAL
    assert post.targets[0].next_action_at is None


def test_approving_after_its_time_sends_it_at_once() -> None:
    waiting = schedule(form(), needs_approval=True)
    later = waiting.due_utc + timedelta(hours=2)
    approved = approve_post(waiting, later)
    assert approved.status is PostStatus.QUEUED
    assert approved.targets[0].next_action_at == later


def test_approving_before_its_time_keeps_its_time() -> None:
    approved = approve_post(schedule(form(), needs_approval=True), NOW)
    assert approved.targets[0].next_action_at == approved.due_utc


def test_declining_needs_a_reason() -> None:
    waiting = schedule(form(), needs_approval=True)
    with pytest.raises(FieldErrors):
        decline_post(waiting, "   ")
    declined = decline_post(waiting, "  Please  add the chat's hashtag. ")
    assert (declined.status, declined.reason) == (
        PostStatus.DECLINED,
        "Please add the chat's hashtag.",
    )


def test_editing_moves_the_time_and_keeps_the_author_and_id() -> None:
    post = schedule(form())
    edited = edit_post(
        post,
        form(text="Moved to 9.", local_time="21:00"),
        NOW,
        targets=[("x", "cohort")],
        rules=[X_RULE],
        needs_approval=False,
    )
    assert (edited.id, edited.author_email, edited.text) == (
        post.id,
        post.author_email,
        "Moved to 9.",
    )
    assert edited.due_utc == post.due_utc + timedelta(hours=1)
    assert edited.targets[0].next_action_at == edited.due_utc


# ----- several networks -------------------------------------------------------------------------


def test_one_text_goes_to_every_target_each_tracked_on_its_own() -> None:
    targets = (("x", "cohort"), ("bluesky", "cohort"), ("mastodon", "member:rivera@school.example"))
    post = schedule(form(), targets=targets)
    assert [(t.network, t.account, t.status) for t in post.targets] == [
        (network, account, PostStatus.QUEUED) for network, account in targets
    ]
    assert post.status is PostStatus.QUEUED


def test_the_text_must_fit_each_network_and_the_message_names_each_one_it_does_not() -> None:
    cjk = "漢" * 200  # 400 as X weighs it, 200 graphemes on Bluesky and characters on Mastodon
    with pytest.raises(FieldErrors) as refused:
        schedule(form(text=cjk), targets=(("x", "cohort"), ("bluesky", "cohort")))
    message = refused.value.errors["text"]
    assert "Too long for X: 400 of 280" in message
    assert "Bluesky" not in message
    assert schedule(form(text=cjk), targets=(("bluesky", "cohort"),)).text == cjk

    long_latin = "a" * 301
    with pytest.raises(FieldErrors) as too_long:
        schedule(form(text=long_latin), targets=(("bluesky", "cohort"), ("mastodon", "cohort")))
    assert "Too long for Bluesky: 301 of 300" in too_long.value.errors["text"]
    assert "Mastodon" not in too_long.value.errors["text"]


def test_bluesky_counts_a_joined_emoji_or_a_flag_as_one() -> None:
    family, flag = "👩‍👩‍👧‍👦", "🇺🇦"
    assert BLUESKY_RULE.length(family + flag) == 2
    text = family * 300
    assert schedule(form(text=text), targets=(("bluesky", "cohort"),)).text == text
    with pytest.raises(FieldErrors):
        schedule(form(text=text + flag), targets=(("bluesky", "cohort"),))


def test_mastodon_counts_each_link_as_its_instance_says() -> None:
    link = "https://example.org/" + "x" * 200
    rule = mastodon_rule(max_characters=500, url_length=23)
    assert rule.length(f"Read {link} now") == len("Read ") + 23 + len(" now")


def test_no_target_and_too_many_targets_are_refused() -> None:
    with pytest.raises(FieldErrors) as none:
        schedule(form(), targets=())
    assert set(none.value.errors) == {"targets"}
    many = tuple(("mastodon", f"member:t{i}@school.example") for i in range(10))
    with pytest.raises(FieldErrors) as too_many:
        schedule(form(), targets=many)
    assert "at most 9" in too_many.value.errors["targets"]


def test_a_cross_post_is_posted_only_when_every_target_is() -> None:
    post = schedule(form(), targets=(("x", "cohort"), ("bluesky", "cohort")))
    x, bluesky = post.targets
    one_done = post.model_copy(
        update={"targets": (x.model_copy(update={"status": PostStatus.POSTED}), bluesky)}
    )
    assert one_done.status is PostStatus.QUEUED
    failed = bluesky.model_copy(update={"status": PostStatus.FAILED, "reason": "Refused."})
    mixed = one_done.model_copy(update={"targets": (one_done.targets[0], failed)})
    assert (mixed.status, mixed.reason) == (PostStatus.FAILED, "Refused.")
    both = mixed.model_copy(
        update={
            "targets": tuple(
                t.model_copy(update={"status": PostStatus.POSTED}) for t in mixed.targets
            )
        }
    )
    assert both.status is PostStatus.POSTED


def test_an_edit_keeps_a_staying_targets_attempts_and_first_claim_and_nothing_else() -> None:
    # X was tried once (its answer lost, then not found on the account) and re-queued; Bluesky
    # was never tried. The edit drops Bluesky, keeps X and adds Mastodon.
    post = schedule(form(), targets=(("x", "cohort"), ("bluesky", "cohort")))
    first_claim = post.due_utc + timedelta(seconds=3)
    x, bluesky = post.targets
    tried = x.model_copy(
        update={
            "attempts": 1,
            "first_claimed_at": first_claim,
            "reason": "It is not on the account, so it will be tried again.",
            "next_action_at": post.due_utc + timedelta(minutes=2),
            "claim_id": "claim-1",
            "remote_id": "1851",
        }
    )
    read = post.model_copy(update={"targets": (tried, bluesky), "version": 3})

    edited = edit_post(
        read,
        form(text="Moved to 9.", local_time="21:00"),
        NOW,
        targets=[("x", "cohort"), ("mastodon", "cohort")],
        rules=[X_RULE, mastodon_rule()],
        needs_approval=False,
    )

    x_after, mastodon = edited.targets
    assert (x_after.attempts, x_after.first_claimed_at) == (1, first_claim)
    assert (x_after.reason, x_after.claim_id, x_after.remote_id) == (None, None, None)
    assert (x_after.status, x_after.next_action_at) == (PostStatus.QUEUED, edited.due_utc)
    assert (mastodon.key, mastodon.attempts, mastodon.first_claimed_at) == (
        "mastodon:cohort",
        0,
        None,
    )
    assert edited.target("bluesky:cohort") is None

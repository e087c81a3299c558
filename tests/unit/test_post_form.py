"""The scheduling form as a teacher fills it in: what is accepted, and what each mistake says."""

from datetime import UTC, datetime

import pytest

from chatdeck.domain.posts import FieldErrors, PostStatus, post_from_form

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 10:00 in New York


def form(**changes: str) -> dict[str, str]:
    values = {
        "submission_id": "sub-12345678",
        "text": "Join #edtechchat tonight: Q1 is about feedback that works.",
        "author_name": "Ms. Rivera",
        "author_email": "Rivera@School.example",
        "local_date": "2026-12-01",
        "local_time": "20:00",
        "zone": "America/New_York",
    }
    return {**values, **changes}


def errors_of(**changes: str) -> FieldErrors:
    with pytest.raises(FieldErrors) as refused:
        post_from_form(form(**changes), NOW)
    return refused.value


def test_a_good_form_becomes_a_queued_post_due_at_the_utc_instant() -> None:
    post = post_from_form(form(), NOW)
    assert post.status is PostStatus.QUEUED
    assert post.due_utc == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    assert post.next_action_at == post.due_utc
    assert (post.zone, post.utc_offset, str(post.local_time)) == (
        "America/New_York",
        "-05:00",
        "20:00:00",
    )
    assert post.author_email == "rivera@school.example"
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
    post = post_from_form(form(text=urls), NOW)
    assert post.text == urls


def test_a_time_in_the_past_is_refused() -> None:
    assert "passed" in errors_of(local_date="2026-11-26", local_time="09:00").errors["local_time"]


def test_one_minute_of_grace_for_a_form_submitted_at_the_due_minute() -> None:
    post = post_from_form(form(local_date="2026-11-26", local_time="09:59"), NOW)
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
    post = post_from_form(
        form(local_date="2027-11-07", local_time="01:30", utc_offset="-05:00"), NOW
    )
    assert post.due_utc == datetime(2027, 11, 7, 6, 30, tzinfo=UTC)


def test_every_wrong_field_gets_its_own_message() -> None:
    refused = errors_of(author_email="not-an-email", local_date="tomorrow", author_name="")
    assert set(refused.errors) >= {"author_email", "local_date", "author_name"}
    assert refused.errors["local_date"] == "Enter a date such as 2026-12-01."


def test_a_missing_field_says_it_is_required() -> None:
    values = form()
    del values["local_time"]
    with pytest.raises(FieldErrors) as refused:
        post_from_form(values, NOW)
    assert refused.value.errors["local_time"] == "This is required."

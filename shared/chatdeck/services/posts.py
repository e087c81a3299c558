"""Scheduling and managing posts: the form, the queue, editing, cancelling, and approval.

Members see and change their own posts; admins see and manage everyone's. A post that waits for
approval is approved or declined as the admin saw it: approving or declining names the version
on the admin's page, and a post edited since is refused, so an edit never goes out unseen.
Every change is a conditional write on the status and version read, so two requests racing on
one post cannot both win.
"""

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from chatdeck.domain.errors import Conflict, NotFound, Refused
from chatdeck.domain.members import Member, must_be_admin
from chatdeck.domain.posts import (
    CANCELLABLE,
    FieldErrors,
    Page,
    Post,
    PostStatus,
    approve_post,
    decline_post,
    edit_post,
    post_from_form,
)
from chatdeck.notifications.notices import Notices
from chatdeck.ports import PostStore, SettingsStore
from chatdeck.services.accounts import Accounts
from chatdeck.services.membership import Membership

PAGE_SIZE = 25
VERSION = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() takes others, and any length
MAX_ID_LENGTH = 64
STARTED = "This post can no longer be changed: it has already started."
NOT_WAITING = "This post is not waiting for approval."
CHANGED_SINCE_SEEN = (
    "This post changed since you looked at it. Reload the queue to see it as it is now, "
    "then approve or decline it."
)


@dataclass(frozen=True)
class PostForm:
    """What the scheduling form shows: the values, the accounts to choose from, whether posts
    to the cohort's account wait for approval, and the post being edited, if any."""

    values: dict[str, str]
    accounts: list[tuple[str, str]]
    approval: bool
    editing: Post | None = None
    errors: dict[str, str] = field(default_factory=dict)
    offset_choices: tuple[str, ...] = ()


class Scheduling:
    def __init__(
        self,
        posts: PostStore,
        membership: Membership,
        accounts: Accounts,
        settings: SettingsStore,
        notices: Notices,
    ) -> None:
        self.posts = posts
        self.membership = membership
        self.accounts = accounts
        self.settings = settings
        self.notices = notices

    # The form

    def form(
        self,
        member: Member,
        values: Mapping[str, str] | None = None,
        post_id: str | None = None,
        invalid: FieldErrors | None = None,
    ) -> PostForm:
        """The form for a new post, for editing `post_id`, or being corrected after `invalid`."""
        editing = self.editable(member, post_id) if post_id is not None else None
        shown = dict(values) if values is not None else _form_values(editing)
        shown.setdefault("submission_id", secrets.token_urlsafe(16))
        shown.setdefault("zone", member.zone)
        others = editing is not None and editing.author_email != member.email
        return PostForm(
            values=shown,
            # An admin's edit of someone's post keeps the account its author chose.
            accounts=[] if others else self._account_choices(member),
            approval=self._needs_approval(member, "cohort"),
            editing=editing,
            errors=invalid.errors if invalid else {},
            offset_choices=invalid.offset_choices if invalid else (),
        )

    # Scheduling and the queue

    def schedule(self, member: Member, values: Mapping[str, str], now: datetime) -> Post:
        """A new post from the form; the same form submitted twice makes one post."""
        account = self._chosen_account(member, values)
        post = post_from_form(
            values,
            now,
            author_name=member.name,
            author_email=member.email,
            account=account,
            needs_approval=self._needs_approval(member, account),
        )
        if self.posts.add(post):
            return post
        existing = self.posts.get(post.id)
        if existing is None or existing.author_email != member.email:
            raise Conflict("That form was already used; reload the page.")
        return existing

    def queue(self, member: Member, cursor: str | None) -> Page:
        """Newest first: a member's own posts, or everyone's for an admin."""
        author = None if member.is_admin else member.email
        return self.posts.page(cursor, PAGE_SIZE, author=author)

    def editable(self, member: Member, post_id: str) -> Post:
        post = self._managed(member, post_id)
        if post.status not in CANCELLABLE:
            raise Conflict(STARTED)
        return post

    def edit(self, member: Member, post_id: str, values: Mapping[str, str], now: datetime) -> Post:
        post = self.editable(member, post_id)
        own_post = post.author_email == member.email
        # An admin's edit of someone's post keeps the account its author chose: the admin's own
        # accounts are not the author's, and the author may be removed since.
        account = self._chosen_account(member, values) if own_post else post.account
        edited = edit_post(
            post,
            values,
            now,
            account=account,
            # An admin's edit keeps a waiting post waiting: approving is its own step.
            needs_approval=post.status is PostStatus.PENDING_APPROVAL
            if member.is_admin
            else self._needs_approval(member, account),  # a member edits only their own
        )
        if not self.posts.replace(edited, post):
            raise Conflict("This post changed while you edited it; it was not saved.")
        return edited

    def cancel(self, member: Member, post_id: str) -> Post:
        self._managed(member, post_id)
        cancelled = self.posts.cancel(post_id)
        if cancelled is None:
            raise Conflict("This post can no longer be cancelled: it has already started.")
        return cancelled

    # Approval

    def approve(
        self,
        admin: Member,
        post_id: str,
        seen_version: str | None,
        values: Mapping[str, str],
        now: datetime,
    ) -> Post:
        """Queue a waiting post as the admin saw it: at its time (at once if that has passed),
        or at the new local date and time in `values`."""
        seen = post = self._waiting(admin, post_id, seen_version)
        if values.get("local_date") or values.get("local_time"):
            try:  # the admin picked a new time
                post = edit_post(
                    post,
                    {**values, "text": post.text},
                    now,
                    account=post.account,
                    needs_approval=False,
                )
            except FieldErrors as invalid:
                raise Refused(" ".join(invalid.errors.values())) from None
        approved = approve_post(post, now)
        if not self.posts.replace(approved, seen):
            raise Conflict(CHANGED_SINCE_SEEN)
        return approved

    def decline(self, admin: Member, post_id: str, seen_version: str | None, reason: str) -> Post:
        """Decline a waiting post as the admin saw it; its author is told why, once."""
        post = self._waiting(admin, post_id, seen_version)
        try:
            declined = decline_post(post, reason)
        except FieldErrors as invalid:
            raise Refused(invalid.errors["reason"]) from None
        if not self.posts.replace(declined, post):
            raise Conflict(CHANGED_SINCE_SEEN)
        self.notices.post_declined(declined, admin)
        return declined

    # The cohort's setting

    def approval_required(self) -> bool:
        """Whether members' posts to the cohort's account wait for an admin."""
        return self.settings.require_approval()

    def set_approval_required(self, admin: Member, required: bool) -> None:
        must_be_admin(admin)
        self.settings.set_require_approval(required)

    # Rules

    def _managed(self, member: Member, post_id: str) -> Post:
        """A post this member may manage: their own, or any for an admin."""
        post = self.posts.get(post_id) if len(post_id) <= MAX_ID_LENGTH else None
        if post is None or not (member.is_admin or post.author_email == member.email):
            raise NotFound("No such post.")
        return post

    def _waiting(self, admin: Member, post_id: str, seen_version: str | None) -> Post:
        must_be_admin(admin)
        post = self._managed(admin, post_id)
        if post.status is not PostStatus.PENDING_APPROVAL:
            raise Conflict(NOT_WAITING)
        if seen_version is None or not VERSION.fullmatch(seen_version):
            raise Refused("Reload the queue, then approve or decline the post you see there.")
        if int(seen_version) != post.version:
            raise Conflict(CHANGED_SINCE_SEEN)
        return post

    def _needs_approval(self, member: Member, account: str) -> bool:
        return account == "cohort" and not member.is_admin and self.settings.require_approval()

    def _account_choices(self, member: Member) -> list[tuple[str, str]]:
        choices = [("cohort", "The cohort's X account")]
        own = self.accounts.connection(member.own_account)
        if own is not None:
            choices.append(("mine", f"My own X account (@{own.username})"))
        return choices

    def _chosen_account(self, member: Member, values: Mapping[str, str]) -> str:
        choice = values.get("account", "cohort")
        if choice == "mine":
            if self.accounts.connection(member.own_account) is None:
                raise FieldErrors(
                    {"account": "Connect your X account first, on the Accounts page."}
                )
            return member.own_account
        if choice != "cohort":
            raise FieldErrors({"account": "Choose an account to post to."})
        return "cohort"


def _form_values(post: Post | None) -> dict[str, str]:
    if post is None:
        return {}
    return {
        "text": post.text,
        "local_date": post.local_date.isoformat(),
        "local_time": f"{post.local_time:%H:%M}",
        "zone": post.zone,
        "account": "cohort" if post.account == "cohort" else "mine",
    }

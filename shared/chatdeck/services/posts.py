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
from chatdeck.domain.limits import LengthRule
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
from chatdeck.services.membership import Membership
from chatdeck.services.targets import TargetChoice, TargetDirectory

PAGE_SIZE = 25
VERSION = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() takes others, and any length
MAX_ID_LENGTH = 64
STARTED = "This post can no longer be changed: it has already started."
UNSETTLED = (
    "This post can't be changed now: an earlier try to send it may have gone out, and Chatdeck "
    "looks for it before trying again. Changing it meanwhile could post it twice."
)
NOT_WAITING = "This post is not waiting for approval."
CHANGED_SINCE_SEEN = (
    "This post changed since you looked at it. Reload the queue to see it as it is now, "
    "then approve or decline it."
)


@dataclass(frozen=True)
class PostForm:
    """What the scheduling form shows: the values, the accounts to choose from (each with its
    network's length rule), whether posts to the cohort's accounts wait for approval, and the
    post being edited, if any."""

    values: dict[str, str]
    targets: list[TargetChoice]
    chosen: list[str]
    approval: bool
    editing: Post | None = None
    errors: dict[str, str] = field(default_factory=dict)
    offset_choices: tuple[str, ...] = ()


class Scheduling:
    def __init__(
        self,
        posts: PostStore,
        membership: Membership,
        targets: TargetDirectory,
        settings: SettingsStore,
        notices: Notices,
    ) -> None:
        self.posts = posts
        self.membership = membership
        self.targets = targets
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
        shown = dict(values) if values is not None else self._form_values(member, editing)
        shown.setdefault("submission_id", secrets.token_urlsafe(16))
        shown.setdefault("zone", member.zone)
        others = editing is not None and editing.author_email != member.email
        offered = self.targets.offered(member)
        chosen = _chosen_values(shown)
        if not chosen and not others:
            chosen = [offered[0].value] if offered else []
        return PostForm(
            values=shown,
            # An admin's edit of someone's post keeps the accounts its author chose.
            targets=[] if others else offered,
            chosen=chosen,
            approval=self._needs_approval(member, ["cohort"]),
            editing=editing,
            errors=invalid.errors if invalid else {},
            offset_choices=invalid.offset_choices if invalid else (),
        )

    # Scheduling and the queue

    def schedule(self, member: Member, values: Mapping[str, str], now: datetime) -> Post:
        """A new post from the form; the same form submitted twice makes one post."""
        chosen = self.targets.chosen(member, _chosen_values(values))
        post = post_from_form(
            values,
            now,
            author_name=member.name,
            author_email=member.email,
            targets=[c.pair for c in chosen],
            rules=_rules(chosen),
            needs_approval=self._needs_approval(member, [c.account for c in chosen]),
            language=member.language,
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
        if any(t.status not in CANCELLABLE for t in post.targets):
            raise Conflict(STARTED)
        # A try that may have reached the network: an edited text (or the target taken away and
        # chosen again, fresh) would no longer be recognised as that post when it is looked for.
        if any(t.unsettled for t in post.targets):
            raise Conflict(UNSETTLED)
        return post

    def edit(self, member: Member, post_id: str, values: Mapping[str, str], now: datetime) -> Post:
        post = self.editable(member, post_id)
        own_post = post.author_email == member.email
        # An admin's edit of someone's post keeps the accounts its author chose: the admin's own
        # accounts are not the author's, and the author may be removed since.
        if own_post:
            chosen = self.targets.chosen(member, _chosen_values(values))
            pairs, rules = [c.pair for c in chosen], _rules(chosen)
        else:
            pairs = [(t.network, t.account) for t in post.targets]
            rules = self._stored_rules(member, post)
        edited = edit_post(
            post,
            values,
            now,
            targets=pairs,
            rules=rules,
            # An admin's edit keeps a waiting post waiting: approving is its own step.
            needs_approval=post.status is PostStatus.PENDING_APPROVAL
            if member.is_admin
            else self._needs_approval(member, [a for _, a in pairs]),  # a member edits their own
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
                    {**values, "text": post.text, "visibility": post.visibility},
                    now,
                    targets=[(t.network, t.account) for t in post.targets],
                    rules=[],  # the text is as the author wrote it and was checked then
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

    def members_post_to_cohort(self) -> bool:
        """Whether members who are not admins may post to the cohort's accounts."""
        return self.settings.members_post_to_cohort()

    def set_members_post_to_cohort(self, admin: Member, allowed: bool) -> None:
        must_be_admin(admin)
        self.settings.set_members_post_to_cohort(allowed)

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

    def _needs_approval(self, member: Member, accounts: list[str]) -> bool:
        """A member's post to any of the cohort's accounts waits, when approval is on."""
        return "cohort" in accounts and not member.is_admin and self.settings.require_approval()

    def _stored_rules(self, member: Member, post: Post) -> list[LengthRule]:
        offered = {c.pair: c.rule for c in self.targets.offered(member)}
        return [offered[p] for t in post.targets if (p := (t.network, t.account)) in offered]

    def _form_values(self, member: Member, post: Post | None) -> dict[str, str]:
        if post is None:
            return {}
        author = post.author_email == member.email
        return {
            "text": post.text,
            "local_date": post.local_date.isoformat(),
            "local_time": f"{post.local_time:%H:%M}",
            "zone": post.zone,
            "visibility": post.visibility,
            "targets": ",".join(
                self.targets.value_of(member, t.network, t.account) for t in post.targets
            )
            if author
            else "",
        }


def _chosen_values(values: Mapping[str, str]) -> list[str]:
    """The `targets` checkboxes ticked (the form reader joins repeated fields with commas). The
    form says it showed them (`targets_shown`), so none ticked is a choice to correct; a request
    made without the form's checkboxes names one X `account`, the cohort's by default."""
    if "targets" in values or values.get("targets_shown"):
        return [v.strip() for v in values.get("targets", "").split(",") if v.strip()]
    return [f"x:{values.get('account') or 'cohort'}"]


def _rules(chosen: list[TargetChoice]) -> list[LengthRule]:
    return [c.rule for c in chosen]

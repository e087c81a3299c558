"""Surviving mutants judged equivalent: the mutated code does what the original does for every
request or call the service can receive, so no test can tell them apart.

Keyed by (file under shared/, function as Class.method or function, "old => new": the mutated
line before and after, as mutmut's diff shows them), never by mutmut's numbered name alone, which
moves when the function changes. bench/mutation.py reads this; a survivor not here is
unexplained, and `make mutate` fails.
"""

PAGES = "chatdeck/web/pages.py"
TOKENS = "chatdeck/domain/action_tokens.py"
POSTS = "chatdeck/adapters/posts.py"
KEYWORD_CASE = "DynamoDB reads the keywords of its expressions (SET, REMOVE, AND, OR) in any case."
VERSION_ONLY_CHANGES = (
    "The version is only compared for equality with the one read (`version = :seen`): any "
    "step that makes each write's value differ from every earlier one (+1, +2, -1) lets the "
    "same writes through and stops the same stale ones."
)
STRICT_ZIP = (
    "The placeholders are made from the same statuses, one each: the two lists always have "
    "the same length, so zip(strict=...) never has anything to check."
)
ALIAS = (
    "An expression attribute name is only an alias: the same one is used in the expression, "
    "its names and its values (all made from `sets`), whatever its spelling."
)
WORK_PK_KEPT = (
    "work_pk is already WORK_PK when an outcome is recorded: every claim sets it, and record "
    "needs that claim. Setting it again under another name leaves it as it was (and writes an "
    "attribute nothing reads)."
)
OUT_OF_THE_INDEX = (
    "A target that needs no publisher any more loses next_action_at, the due index's sort key; "
    "an item without its sort key is in no index, so whether work_pk goes too changes nothing "
    "due() can see."
)
STATUS_IN = "{p: s.value for p, s in zip(placeholders, statuses, strict=True)},"
CLAIM_SET = '"SET #s = :publishing, claim_id = :claim, claimed_at = :claimed,"'
CLAIM_CONDITION = '"#status = :seen AND next_action_at <= :now AND #v = :version"'
CLAIM_PREVIOUS = '" AND (attribute_not_exists(claim_id) OR claim_id = :previous)",'
RECORD_EXPRESSION = 'expression = "SET " + ", ".join(assignments) + " REMOVE " + ", ".join(removes)'
RECORD_CONDITION = 'condition="claim_id = :mine AND #s = :publishing",'
WORK = 'sets["#work"] = ("work_pk", WORK_PK)'
REMOVES = 'removes += ["next_action_at", "work_pk"]'
GUARD_UNREADABLE = 'unreadable = _unreadable_form(app) if method not in ("GET", "HEAD") else None'
GUARD_CSRF = (
    'elif method not in ("GET", "HEAD") and not token_post and not _csrf_ok(app, csrf, new_csrf):'
)
CSP = '"Content-Security-Policy", content_security_policy(services.settings.x_authorize_url)'
# The guard's line that keeps the request's state (mutmut's diff keeps its comment).
CONTEXT = (
    "app.append_context(request=RequestState(member, session_token, csrf, {}, origin))"
    "  # type: ignore[no-untyped-call]"
)
HEAD = (
    "No route answers HEAD: the app answers it 404 either way. Reading (or CSRF-checking) a HEAD "
    "only changes which refusal it gets (415 or 403 instead of 404); nothing is ever done."
)
HEADER_CASE = (
    "Request headers are looked up case-insensitively (powertools' event headers), and an HTTP "
    "API event carries them in lowercase: any spelling of the name finds the same header."
)
RESPONSE_HEADER_CASE = (
    "HTTP header names are case-insensitive: a browser applies the policy whatever its spelling."
)
FRESH_CSRF = (
    "A new CSRF token of 32 random bytes is token_urlsafe's default, and one of 33 as "
    "unguessable: either is a fresh secret the page and its cookie share."
)
SHORT_COOKIE = (
    "A missing cookie read as 'XXXX' (4 characters) is still shorter than 32, so it is "
    "replaced by a new token exactly as an empty one is."
)


def _same(old: str, new: str) -> str:
    return f"{old} => {new}"


MEMBERSHIP = "chatdeck/services/membership.py"
LENGTH_GUARD = (
    "The length check only spares verifying a huge cookie: a known-browser token Chatdeck signs "
    "is about 150 characters, and anything else fails verification whatever its length."
)
M_ALWAYS = (
    "A genuine known-browser token always holds 'm' (only Chatdeck can sign one, and it always "
    "writes it), so the default for a missing one is never read."
)
SHA_NAME = "hashlib takes a digest's name in any case: 'SHA256' is 'sha256'."
KEY_LENGTH = (
    "The member's key is made and checked by the same function: 33 hex digits instead of 32 "
    "still name the same member in both places."
)
ORIGIN_LOWER = (
    "base_url is the public origin, in lowercase without a trailing path (pages.public_origin): "
    "there is no 'X' for rstrip('XX/XX') to take beside the '/' that rstrip('/') takes."
)
FRESH_RANDOM = (
    "token_urlsafe's default is 32 bytes, and 33 are as unguessable: the link or session is "
    "a fresh secret either way."
)
EMPTY_LOOKUP = (
    "An empty token looked up is the hash of '', which is never stored: nothing is found, as "
    "when it is not looked up."
)
NO_ADDRESS = (
    "Looking up no address finds no member, as not looking it up does: the link is refused."
)
NO_BROWSER_COOKIE = (
    "A missing known-browser token read as 'XXXX' fails verification, as '' is skipped: the "
    "request counts as anyone's either way."
)
ALLOWANCE_NAMES = (
    "The two allowances only need two different names for the store's counters; renamed, they "
    "are still two, each with its own limit."
)
WHOLE_MINUTES = "15 minutes divide exactly: int(900 / 60) and int(900 // 60) are both 15."


SIGN_FORMAT = (
    "How the payload's JSON is spelled (key order, spaces) only changes the token's length: "
    "verify reads any JSON, and the signature covers whatever was signed."
)
E_ALWAYS = (
    "Every payload Chatdeck signs has 'e', and no other can pass the signature check before "
    "it is read: the default for a missing one is never used."
)


PUBLISHING = "chatdeck/services/publishing.py"
SIGNIN_STORE = "chatdeck/adapters/signin.py"
FIRST_CLAUSE = (
    "The cause is the reason's first clause: split(';', 1), split(';', 2) and split(';') all "
    "give the same first part."
)
PAUSE_HAS_RETRY = (
    "A paused account the publisher words a reason for always has its retry time: _pause "
    "sets one, and the deferral only runs while paused_until (its retry time) is ahead, so "
    "'later' is never written."
)
NOTICE_ONCE = (
    "_remember only spares asking again: the admins' 'account paused' email is sent at most "
    "once per pause by its notice id (Notices.send_once), which the tests count."
)
RESUMED_CACHE = (
    "A post only goes out once its account's pause has run out (paused_until is None), so "
    "the state remembered after it, whatever its key, defers nothing else in that tick."
)
FALSY = "None is as false as False: the post found is not taken as fresh either way."


EQUIVALENT: dict[tuple[str, str, str], str] = {
    # ----- the same-origin guard (web/pages.py) -------------------------------------------------
    (PAGES, "_csrf_ok", "return False => return True"): (
        "The `except BadRequest` branch cannot be reached: the guard answers every unreadable "
        "form (413, 415, 400) before the CSRF check, and form() keeps what it read."
    ),
    (
        PAGES,
        "_csrf_ok",
        _same(
            'sent = form(app).get("csrf_token", "")',
            'sent = form(app).get("csrf_token", "XXXX")',
        ),
    ): (
        "A form without a csrf_token field is compared as 'XXXX' instead of '': neither can equal "
        "a cookie's token, which is at least 32 characters (shorter ones are replaced)."
    ),
    (
        PAGES,
        "guard",
        _same("csrf = secrets.token_urlsafe(32)", "csrf = secrets.token_urlsafe(None)"),
    ): FRESH_CSRF,
    (
        PAGES,
        "guard",
        _same("csrf = secrets.token_urlsafe(32)", "csrf = secrets.token_urlsafe(33)"),
    ): FRESH_CSRF,
    (
        PAGES,
        "guard",
        _same('csrf = jar.get(CSRF_COOKIE) or ""', 'csrf = jar.get(CSRF_COOKIE) or "XXXX"'),
    ): SHORT_COOKIE,
    (
        PAGES,
        "guard",
        _same(CSP, CSP.replace("Content-Security-Policy", "content-security-policy")),
    ): RESPONSE_HEADER_CASE,
    (
        PAGES,
        "guard",
        _same(CSP, CSP.replace("Content-Security-Policy", "CONTENT-SECURITY-POLICY")),
    ): RESPONSE_HEADER_CASE,
    (
        PAGES,
        "guard",
        _same(
            CONTEXT.format("new_csrf"),
            CONTEXT.format("None"),
        ),
    ): "RequestState.new_csrf is kept for the routes but none reads it.",
    (
        PAGES,
        "guard",
        _same(GUARD_UNREADABLE, GUARD_UNREADABLE.replace('"HEAD"', '"XXHEADXX"')),
    ): HEAD,
    (PAGES, "guard", _same(GUARD_UNREADABLE, GUARD_UNREADABLE.replace('"HEAD"', '"head"'))): HEAD,
    (PAGES, "guard", _same(GUARD_CSRF, GUARD_CSRF.replace('"HEAD"', '"XXHEADXX"'))): HEAD,
    (PAGES, "guard", _same(GUARD_CSRF, GUARD_CSRF.replace('"HEAD"', '"head"'))): HEAD,
    (PAGES, "guard", _same(GUARD_CSRF, GUARD_CSRF.replace("new_csrf):", "None):"))): (
        "When the cookie's token is new, the form cannot hold it: it was made in this very "
        "request. Passing None instead of True only lets the form's token be compared with a "
        "fresh 256-bit secret it cannot match."
    ),
    (
        PAGES,
        "same_origin",
        _same('origin = header(app, "origin")', 'origin = header(app, "ORIGIN")'),
    ): HEADER_CASE,
    (
        PAGES,
        "same_origin",
        _same('if header(app, "sec-fetch-site"):', 'if header(app, "SEC-FETCH-SITE"):'),
    ): HEADER_CASE,
    (
        PAGES,
        "same_origin",
        _same(
            'return header(app, "sec-fetch-site") == "same-origin"',
            'return header(app, "SEC-FETCH-SITE") == "same-origin"',
        ),
    ): HEADER_CASE,
    (
        PAGES,
        "same_origin",
        _same('referer = header(app, "referer")', 'referer = header(app, "REFERER")'),
    ): HEADER_CASE,
    # ----- the post store's claim and record (adapters/posts.py) ------------------------------
    (
        POSTS,
        "_status_in",
        _same(STATUS_IN, STATUS_IN.replace("strict=True", "strict=None")),
    ): STRICT_ZIP,
    (
        POSTS,
        "_status_in",
        _same(STATUS_IN, STATUS_IN.replace("strict=True", "strict=False")),
    ): STRICT_ZIP,
    (POSTS, "_status_in", _same(STATUS_IN, STATUS_IN.replace(", strict=True", ", "))): STRICT_ZIP,
    (
        POSTS,
        "DynamoPostStore.claim",
        _same(CLAIM_SET, CLAIM_SET.replace("SET", "set")),
    ): KEYWORD_CASE,
    (POSTS, "DynamoPostStore.claim", _same('":zero": 0,', '":zero": 1,')): (
        "if_not_exists(attempts, :zero) only reads :zero for a target without attempts, and "
        "every target is stored with them (0 when new; items from before the upgrade too, "
        "tests/contract/test_post_store_upgrade.py)."
    ),
    (
        POSTS,
        "DynamoPostStore.claim_condition",
        _same(CLAIM_CONDITION, CLAIM_CONDITION.replace("AND", "and")),
    ): KEYWORD_CASE,
    (
        POSTS,
        "DynamoPostStore.claim_condition",
        _same(CLAIM_PREVIOUS, CLAIM_PREVIOUS.replace("AND", "and").replace("OR", "or")),
    ): KEYWORD_CASE,
    (
        POSTS,
        "DynamoPostStore.claim_condition",
        _same(
            '":previous": job.target.claim_id or "-",',
            '":previous": job.target.claim_id or "XX-XX",',
        ),
    ): (
        "The stand-in for 'no claim seen' only has to differ from every claim id, which are "
        "32 hex digits: '-' and 'XX-XX' both do."
    ),
    (
        POSTS,
        "DynamoPostStore.record",
        _same(
            'sets["#next"] = ("next_action_at", to_iso_utc(change.next_action_at))',
            'sets["#NEXT"] = ("next_action_at", to_iso_utc(change.next_action_at))',
        ),
    ): ALIAS,
    (POSTS, "DynamoPostStore.record", _same(WORK, WORK.replace('"#work"', '"#WORK"'))): ALIAS,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(
            'sets["#unsettled"] = ("unsettled", True)', 'sets["#UNSETTLED"] = ("unsettled", True)'
        ),
    ): ALIAS,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(WORK, WORK.replace('"work_pk"', '"XXwork_pkXX"')),
    ): WORK_PK_KEPT,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(WORK, WORK.replace('"work_pk"', '"WORK_PK"')),
    ): WORK_PK_KEPT,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(REMOVES, REMOVES.replace('"work_pk"', '"XXwork_pkXX"')),
    ): OUT_OF_THE_INDEX,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(REMOVES, REMOVES.replace('"work_pk"', '"WORK_PK"')),
    ): OUT_OF_THE_INDEX,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(RECORD_EXPRESSION, RECORD_EXPRESSION.replace('"SET "', '"set "')),
    ): KEYWORD_CASE,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(RECORD_EXPRESSION, RECORD_EXPRESSION.replace('" REMOVE "', '" remove "')),
    ): KEYWORD_CASE,
    (
        POSTS,
        "DynamoPostStore.record",
        _same(RECORD_CONDITION, RECORD_CONDITION.replace(" AND ", " and ")),
    ): KEYWORD_CASE,
    # ----- sign-in (services/membership.py) ----------------------------------------------------
    (
        MEMBERSHIP,
        "Membership._is_known_browser",
        "if not token or len(token) > 1024: => if not token and len(token) > 1024:",
    ): LENGTH_GUARD,
    (
        MEMBERSHIP,
        "Membership._is_known_browser",
        'return hmac.compare_digest(str(subject.get("m", "")), self._member_key(email)) => return hmac.compare_digest(str(subject.get("m", None)), self._member_key(email))',
    ): M_ALWAYS,
    (
        MEMBERSHIP,
        "Membership._is_known_browser",
        'return hmac.compare_digest(str(subject.get("m", "")), self._member_key(email)) => return hmac.compare_digest(str(subject.get("m", )), self._member_key(email))',
    ): M_ALWAYS,
    (
        MEMBERSHIP,
        "Membership._is_known_browser",
        'return hmac.compare_digest(str(subject.get("m", "")), self._member_key(email)) => return hmac.compare_digest(str(subject.get("m", "XXXX")), self._member_key(email))',
    ): M_ALWAYS,
    (
        MEMBERSHIP,
        "Membership._is_known_browser",
        "if not token or len(token) > 1024: => if not token or len(token) >= 1024:",
    ): LENGTH_GUARD,
    (
        MEMBERSHIP,
        "Membership._is_known_browser",
        "if not token or len(token) > 1024: => if not token or len(token) > 1025:",
    ): LENGTH_GUARD,
    (
        MEMBERSHIP,
        "Membership._member_key",
        'return hmac.new(self.signing_key(), f"member:{email}".encode(), "sha256").hexdigest()[:32] => return hmac.new(self.signing_key(), f"member:{email}".encode(), "SHA256").hexdigest()[:32]',
    ): SHA_NAME,
    (
        MEMBERSHIP,
        "Membership._member_key",
        'return hmac.new(self.signing_key(), f"member:{email}".encode(), "sha256").hexdigest()[:32] => return hmac.new(self.signing_key(), f"member:{email}".encode(), "sha256").hexdigest()[:33]',
    ): KEY_LENGTH,
    (
        MEMBERSHIP,
        "Membership._new_link",
        "return f\"{base_url.rstrip('/')}/signin/confirm?token={token}\", token_hash => return f\"{base_url.rstrip('XX/XX')}/signin/confirm?token={token}\", token_hash",
    ): ORIGIN_LOWER,
    (
        MEMBERSHIP,
        "Membership._new_link",
        "token = secrets.token_urlsafe(32) => token = secrets.token_urlsafe(None)",
    ): FRESH_RANDOM,
    (
        MEMBERSHIP,
        "Membership._new_link",
        "token = secrets.token_urlsafe(32) => token = secrets.token_urlsafe(33)",
    ): FRESH_RANDOM,
    (
        MEMBERSHIP,
        "Membership.link_account",
        "return self.links.peek(_hash(token), int(now.timestamp())) if token else None => return self.links.peek(_hash(token), int(now.timestamp())) if (token) or True else None",
    ): EMPTY_LOOKUP,
    (
        MEMBERSHIP,
        "Membership.request_link",
        'self, email: str, base_url: str, now: datetime, known_browser: str = "" => self, email: str, base_url: str, now: datetime, known_browser: str = "XXXX"',
    ): NO_BROWSER_COOKIE,
    (
        MEMBERSHIP,
        "Membership.request_link",
        '("known", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE) => ("XXknownXX", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE)',
    ): ALLOWANCE_NAMES,
    (
        MEMBERSHIP,
        "Membership.request_link",
        '("known", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE) => ("KNOWN", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE)',
    ): ALLOWANCE_NAMES,
    (
        MEMBERSHIP,
        "Membership.request_link",
        '("known", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE) => ("known", EMAILS_PER_DAY) if known else ("XXanyoneXX", EMAILS_PER_DAY_FROM_ANYONE)',
    ): ALLOWANCE_NAMES,
    (
        MEMBERSHIP,
        "Membership.request_link",
        '("known", EMAILS_PER_DAY) if known else ("anyone", EMAILS_PER_DAY_FROM_ANYONE) => ("known", EMAILS_PER_DAY) if known else ("ANYONE", EMAILS_PER_DAY_FROM_ANYONE)',
    ): ALLOWANCE_NAMES,
    (
        MEMBERSHIP,
        "Membership.request_link",
        "minutes = int(LINK_LIFETIME.total_seconds() // 60) => minutes = int(LINK_LIFETIME.total_seconds() / 60)",
    ): WHOLE_MINUTES,
    (
        MEMBERSHIP,
        "Membership.sign_in",
        "email = self.links.peek(_hash(token), epoch) if token else None => email = self.links.peek(_hash(token), epoch) if (token) or True else None",
    ): EMPTY_LOOKUP,
    (
        MEMBERSHIP,
        "Membership.sign_in",
        "member = self.member(email) if email else None => member = self.member(email) if (email) or True else None",
    ): NO_ADDRESS,
    (
        MEMBERSHIP,
        "Membership.sign_in",
        "session = secrets.token_urlsafe(32) => session = secrets.token_urlsafe(None)",
    ): FRESH_RANDOM,
    (
        MEMBERSHIP,
        "Membership.sign_in",
        "session = secrets.token_urlsafe(32) => session = secrets.token_urlsafe(33)",
    ): FRESH_RANDOM,
    (
        MEMBERSHIP,
        "Membership.signin_link",
        "if len(email) > MAX_EMAIL_LENGTH or not EMAIL.match(email): => if len(email) > MAX_EMAIL_LENGTH and not EMAIL.match(email):",
    ): (
        "What is not an address is no member's: let through, member() finds nobody and "
        "signin_link answers None, as the check does (request_link, which must say why, is "
        "tested for its message)."
    ),
    # ----- the publisher (services/publishing.py) ----------------------------------------------
    (
        PUBLISHING,
        "_given_up",
        'cause = reason.split(";", 1)[0].strip().rstrip(".") => cause = reason.split(";", 2)[0].strip().rstrip(".")',
    ): FIRST_CLAUSE,
    (
        PUBLISHING,
        "_given_up",
        'cause = reason.split(";", 1)[0].strip().rstrip(".") => cause = reason.split(";", )[0].strip().rstrip(".")',
    ): FIRST_CLAUSE,
    (
        PUBLISHING,
        "_paused_reason",
        'when = to_iso_utc(state.retry_at) if state.retry_at else "later" => when = None',
    ): PAUSE_HAS_RETRY,
    (
        PUBLISHING,
        "_paused_reason",
        'when = to_iso_utc(state.retry_at) if state.retry_at else "later" => when = to_iso_utc(state.retry_at) if (state.retry_at) and False else "later"',
    ): PAUSE_HAS_RETRY,
    (
        PUBLISHING,
        "_paused_reason",
        'when = to_iso_utc(state.retry_at) if state.retry_at else "later" => when = to_iso_utc(state.retry_at) if (state.retry_at) or True else "later"',
    ): PAUSE_HAS_RETRY,
    (
        PUBLISHING,
        "_paused_reason",
        'when = to_iso_utc(state.retry_at) if state.retry_at else "later" => when = to_iso_utc(state.retry_at) if state.retry_at else "XXlaterXX"',
    ): PAUSE_HAS_RETRY,
    (
        PUBLISHING,
        "_paused_reason",
        'when = to_iso_utc(state.retry_at) if state.retry_at else "later" => when = to_iso_utc(state.retry_at) if state.retry_at else "LATER"',
    ): PAUSE_HAS_RETRY,
    (
        PUBLISHING,
        "Publisher._posted",
        "self._remember(AccountState(job.target.network, job.target.account)) => self._remember(AccountState(None, job.target.account))",
    ): RESUMED_CACHE,
    (
        PUBLISHING,
        "Publisher._posted",
        "self._remember(AccountState(job.target.network, job.target.account)) => self._remember(AccountState(job.target.network, None))",
    ): RESUMED_CACHE,
    (
        PUBLISHING,
        "Publisher._remember",
        "before = self._account_states.get(key) => before = None",
    ): NOTICE_ONCE,
    (
        PUBLISHING,
        "Publisher._remember",
        "before = self._account_states.get(key) => before = self._account_states.get(None)",
    ): NOTICE_ONCE,
    (
        PUBLISHING,
        "Publisher._remember",
        "was_paused = before is not None and before.paused_since == state.paused_since => was_paused = None",
    ): NOTICE_ONCE,
    (
        PUBLISHING,
        "Publisher._remember",
        "was_paused = before is not None and before.paused_since == state.paused_since => was_paused = before is None and before.paused_since == state.paused_since",
    ): NOTICE_ONCE,
    (
        PUBLISHING,
        "Publisher._remember",
        "return state.paused_since is not None and not was_paused => return state.paused_since is not None or not was_paused",
    ): NOTICE_ONCE,
    (
        PUBLISHING,
        "Publisher.reconcile",
        "return self._posted(job, found, fresh=False) => return self._posted(job, found, fresh=None)",
    ): FALSY,
    (
        PUBLISHING,
        "_given_up",
        'cause = reason.split(";", 1)[0].strip().rstrip(".") => cause = reason.rsplit(";", 1)[0].strip().rstrip(".")',
    ): (
        "A NotSent's reason is one cause and one promise, '<cause>; it will be tried again…' "
        "(adapters/*/errors.py): with a single ';' the first and the last split agree."
    ),
    # ----- the sign-in links' and sessions' store (adapters/signin.py) ------------------------
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.use",
        'UpdateExpression="SET used_at = :now", => UpdateExpression="set used_at = :now",',
    ): KEYWORD_CASE,
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.use",
        '"attribute_exists(pk) AND attribute_not_exists(used_at) AND expires_at > :now" => "attribute_exists(pk) and attribute_not_exists(used_at) and expires_at > :now"',
    ): KEYWORD_CASE,
    (
        SIGNIN_STORE,
        "DynamoSessionStore.get",
        'if ended and int(ended["expires_at"]) > now and began <= int(ended["ended_at"]): => if ended and int(ended["expires_at"]) >= now and began <= int(ended["ended_at"]):',
    ): (
        "A 'signed out everywhere' mark is kept until the latest session it ends has expired "
        "(keep_until = its instant + the longest session): at that second every such session is "
        "over by its own expiry, so whether the mark still counts changes nothing."
    ),
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_email",
        'ConditionExpression="attribute_not_exists(#day) OR #day <> :day", => ConditionExpression="attribute_not_exists(#day) or #day <> :day",',
    ): KEYWORD_CASE,
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_email",
        'UpdateExpression="ADD #sent :one, #mine :one", => UpdateExpression="add #sent :one, #mine :one",',
    ): KEYWORD_CASE,
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_email",
        '"#day = :day AND #sent < :limit " => "#day = :day and #sent < :limit "',
    ): KEYWORD_CASE,
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_request",
        '"version": int(item.get("version", 0)) + 1, => "version": int(item.get("version", 0)) - 1,',
    ): VERSION_ONLY_CHANGES,
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_request",
        '"version": int(item.get("version", 0)) + 1, => "version": int(item.get("version", 0)) + 2,',
    ): VERSION_ONLY_CHANGES,
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_request",
        '"version": int(item.get("version", 0)) + 1, => "version": int(item.get("version", 1)) + 1,',
    ): (
        "The default is used only when there is no item yet (every item written has a "
        "version), and that first write is conditioned on attribute_not_exists(pk), not on the "
        "version: the count starts at 2 instead of 1 and still changes on every write."
    ),
    (
        SIGNIN_STORE,
        "DynamoSignInLinkStore.allow_email",
        '"AND (attribute_not_exists(#mine) OR #mine < :mine)" => "and (attribute_not_exists(#mine) or #mine < :mine)"',
    ): KEYWORD_CASE,
    # ----- action tokens (domain/action_tokens.py) ----------------------------------------------
    (
        TOKENS,
        "_decode",
        _same(
            'return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))',
            'return base64.urlsafe_b64decode(text + "=" * (+len(text) % 4))',
        ),
    ): (
        "Python's base64 decoder ignores padding beyond what is needed: len % 4 '=' signs are "
        "always at least the -len % 4 it needs for a part of valid length."
    ),
    (
        TOKENS,
        "_encode",
        'return base64.urlsafe_b64encode(data).rstrip(b"=").decode() => return base64.urlsafe_b64encode(data).rstrip(b"XX=XX").decode()',
    ): (
        "rstrip(b'XX=XX') also takes a final 'X', which no part of a token can end in: the "
        "payload is JSON ending in '}' (its last base64 digit is one of 17, never 'X'), and the "
        "signature is 32 bytes, whose last digit is one of A, E, I, ... 0, 4, 8."
    ),
    (TOKENS, "sign", "sort_keys=True, => sort_keys=False,"): SIGN_FORMAT,
    (TOKENS, "sign", "sort_keys=True, => sort_keys=None,"): SIGN_FORMAT,
    (TOKENS, "sign", "sort_keys=True, / ).encode() => ).encode()"): SIGN_FORMAT,
    (TOKENS, "sign", 'separators=(",", ":"), => separators=None,'): SIGN_FORMAT,
    (TOKENS, "sign", 'separators=(",", ":"), => '): SIGN_FORMAT,
    (
        TOKENS,
        "verify",
        'if payload.get("p") != purpose or int(payload.get("e", 0)) <= now.timestamp(): => if payload.get("p") != purpose or int(payload.get("e", None)) <= now.timestamp():',
    ): E_ALWAYS,
    (
        TOKENS,
        "verify",
        'if payload.get("p") != purpose or int(payload.get("e", 0)) <= now.timestamp(): => if payload.get("p") != purpose or int(payload.get("e", )) <= now.timestamp():',
    ): E_ALWAYS,
    (
        TOKENS,
        "verify",
        'if payload.get("p") != purpose or int(payload.get("e", 0)) <= now.timestamp(): => if payload.get("p") != purpose or int(payload.get("e", 1)) <= now.timestamp():',
    ): E_ALWAYS,
    (
        TOKENS,
        "verify",
        'body, _, signature = token.partition(".") => body, _, signature = token.rpartition(".")',
    ): (
        "A genuine token has exactly one '.', base64url has none: both split it alike; a "
        "token with more fails the signature check either way."
    ),
}

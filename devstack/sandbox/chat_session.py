"""A realistic hour of an education chat on X, made up for the sandbox (`POST /sandbox/chat`).

`generate_session(hashtag, moderators, start_utc, seed)` answers seed posts (server.SEED_SCHEMA
items, ids included) for a one-hour chat of about 25 participants and well over 300 posts:

- before the start, a few "who's ready?" posts and the moderator's reminder;
- at the start, the first moderator's welcome, then introductions (many as replies to it);
- Q1…Q6 from the first moderator every ~8 minutes, worded in varied forms (`Q1:`, `Q2.`,
  `Q3 -`, `Q4)`, `Q5` with an en dash, `Q6`), each reposted by a co-moderator and a few
  participants (retweets, which a `-is:retweet` search leaves out);
- answers in every form people use: `A1 …`, `A1: …`, `A1 - …`, `A1) …`, `a1 …`, `A1. …`,
  `A2/A3 …`, `A2 & A3: …`, `A2, A3: …`, and replies to the question without any A-number. An
  answer written as a reply starts with `@moderator `, as X's text of a reply does;
- replies between participants (some two deep), quotes (their text ends with the quoted post's
  link, as X's does), links to education resources through t.co (some the same page with
  different `utm_` parameters, some through bit.ly with `unwound_url`), emoji, hashtags in
  varied case, a few posts that forget the hashtag (a search cannot find those), and the wrap-up
  and late stragglers until the window closes (end + 30 min).

Every post's `public_metrics` grow with its age (`growth`: likes, reposts, replies, quotes,
bookmarks and impressions approach their final counts, half the way every few minutes), so a
read during the chat sees few likes and a lookup after it more; the sandbox renders them at its
clock. Everything follows from `seed`: the same seed gives the same posts, ids, t.co links and
counts at the same instant, so a test can rely on which answers to Q1 lead.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.sandbox.entities import MAX_WEIGHTED_LENGTH as MAX_LENGTH
from devstack.sandbox.entities import weighted_length
from devstack.sandbox.models import snowflake, x_time
from devstack.sandbox.store import stable_id

DURATION = timedelta(hours=1)
QUESTIONS = 6
DEFAULT_PARTICIPANTS = 25
MIN_POSTS = 300
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}")

SeedPost = dict[str, Any]


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    role: str = ""
    place: str = ""

    @property
    def author_id(self) -> str:
        # The id the sandbox gives a handle it first meets (Store.account_named), so seeded
        # chat posts and accounts made elsewhere agree.
        return stable_id(f"@{self.handle.casefold()}")

    @property
    def first_name(self) -> str:
        return self.name.removeprefix("Dr. ").split()[0]


@dataclass(frozen=True)
class Topic:
    title: str
    questions: tuple[str, ...]
    answers: tuple[tuple[str, ...], ...]  # per question: the core of an answer


@dataclass
class ChatSession:
    """What `plan_session` made: the seed posts (oldest first), the questions' ids by number,
    and who took part."""

    posts: list[SeedPost]
    questions: dict[int, str]
    participants: list[str]
    topic: str
    start: datetime
    end: datetime


PEOPLE = (
    Person("MsRiveraReads", "Ana Rivera 📚"),
    Person("mr_okafor_sci", "Chidi Okafor"),
    Person("techcoach_jen", "Jen Park | EdTech Coach"),
    Person("HistoryWithHal", "Hal Brennan"),
    Person("mathbymaya", "Maya Chen ➗"),
    Person("PrincipalDee", "Dee Washington"),
    Person("kinder_kate", "Kate O'Neil 🍎"),
    Person("ELL_Sofia", "Sofía Martínez"),
    Person("librarian_lou", "Lou Fischer"),
    Person("STEMwithSam", "Sam Adeyemi 🚀"),
    Person("coach_rob_pe", "Rob Delgado"),
    Person("artroom_ines", "Inés Duarte 🎨"),
    Person("CSforAll_Priya", "Priya Natarajan"),
    Person("MrTaylorTeaches", "Ben Taylor"),
    Person("SpEdSarah", "Sarah Goldberg"),
    Person("musicmrsk", "Karen Kowalski 🎶"),
    Person("edu_jamal", "Jamal Harris"),
    Person("ScienceSue", "Sue Lindqvist 🔬"),
    Person("readaloud_ray", "Ray Nguyen"),
    Person("DrLeeLearns", "Dr. Grace Lee"),
    Person("mrs_abbott_ela", "Claire Abbott"),
    Person("GeoGabe", "Gabe Moreau 🌍"),
    Person("NewTeacherNia", "Nia Brooks ✨"),
    Person("instructcoach_t", "Tomás Herrera"),
    Person("digcit_dana", "Dana Whitfield"),
    Person("makerspace_mo", "Mo Al-Sayed 🛠️"),
    Person("FrenchWithFleur", "Fleur Dubois"),
    Person("ap_bio_beth", "Beth Carter"),
    Person("edleader_owen", "Owen Price"),
    Person("mindful_mei", "Mei Tanaka 🧘"),
    Person("teach_tariq", "Tariq Saleh"),
    Person("pe_with_pat", "Pat Murphy"),
    Person("ms_quinn_k2", "Erin Quinn"),
    Person("histnerd_hugo", "Hugo Lambert"),
    Person("ruralteachruth", "Ruth Sandoval"),
    Person("codeclub_kai", "Kai Wilson 💻"),
    Person("esl_elena", "Elena Popescu"),
    Person("chem_chris", "Chris Yamamoto ⚗️"),
    Person("lit_lover_liz", "Liz Bennett"),
    Person("edtech_ed", "Ed Fernández"),
)

ROLES = (
    "3rd grade teacher",
    "MS science teacher",
    "HS history teacher",
    "K-2 ELL teacher",
    "instructional coach",
    "elementary principal",
    "district tech integrator",
    "school librarian",
    "HS math teacher",
    "special ed teacher",
    "MS ELA teacher",
    "art teacher",
    "CS teacher",
    "1st year teacher",
    "PE teacher",
    "AP Bio teacher",
)
PLACES = (
    "in Ohio",
    "from Toronto",
    "in rural Nebraska",
    "in Austin, TX",
    "near Manchester, UK",
    "in Chicago",
    "from Melbourne 🇦🇺",
    "in Oakland, CA",
    "in upstate NY",
    "in Lagos 🇳🇬",
    "in Denver",
    "from Dublin 🇮🇪",
    "in Atlanta",
    "in Phoenix",
    "from Vancouver",
)

TOPICS = (
    Topic(
        "AI in the classroom",
        (
            "What's one way you've used AI with students this year?",
            "How do you talk with students about when AI use is (and isn't) OK?",
            "What AI tool has saved you time on planning or feedback?",
            "How has AI changed the way you design assessments?",
            "What worries you most about AI in schools, and what are you doing about it?",
            "What's one small step a colleague could take this week to start exploring AI?",
        ),
        (
            (
                "my 7th graders used a chatbot as a debate partner and then fact-checked it",
                "we had AI write a flawed paragraph and students graded it with our rubric",
                "brainstorming research questions with AI, then narrowing them as a class",
                "students asked AI to explain photosynthesis to a 5 year old, then critiqued it",
                "honestly not much yet. Still figuring out our district policy",
                "we use it to generate practice problems at three levels of challenge",
                "AI image tools for visual vocabulary with my newcomers. Huge for ELLs",
                "my students interviewed a 'historical figure' bot and found its mistakes",
            ),
            (
                "we co-wrote a traffic light chart: red, yellow, green uses for each task",
                "I ask them to cite AI like any other source, with the prompt they used",
                "we talk about AI as a calculator for words: great tool, not a substitute",
                "a class norms doc we revisit every unit. Students wrote half of it",
                "the question I ask: did it help you think or do the thinking for you?",
                "transparency first. I show them how I use it for my own planning",
                "we practise 'AI or not?' with sample paragraphs, which sparks great talk",
                "every assignment now has an AI line in the directions. No guessing",
            ),
            (
                "drafting rubric language, then editing it to sound like me",
                "turning one reading passage into three Lexile levels in minutes",
                "first drafts of parent emails in English and Spanish, reviewed by me",
                "quiz question banks. I still throw out a third of them",
                "feedback starters for lab reports, so I spend my time on the hard part",
                "lesson hooks! It is a brainstorming buddy at 10pm",
                "summarising long IEP notes before meetings (names removed first)",
                "slide decks from my outlines. Saves me an hour a week easily",
            ),
            (
                "more in-class writing and oral defences, less take-home essays",
                "we assess the process now: drafts, conversations, reflections",
                "students critique an AI answer instead of writing one from scratch",
                "more performance tasks. Show me, don't just tell me",
                "I grade the questions they ask the AI, not only the final product",
                "conferencing. Five minutes one-on-one tells me more than any essay",
                "not much yet, and that is the honest truth. Need to rethink",
                "projects with real audiences. AI can't present to the city council",
            ),
            (
                "equity. Some kids have paid tools at home and some have nothing",
                "student data privacy. We vet every tool with our district first",
                "losing productive struggle. We protect time for thinking without tools",
                "bias in outputs. We look for it on purpose and talk about it",
                "teachers feeling left behind. Building a PLC for it this spring",
                "misinformation. Lateral reading is now part of every research unit",
                "over-reliance. Students write first, then consult AI, then revise",
                "policy moving slower than the tech. Our staff wrote interim guidelines",
            ),
            (
                "use it to plan one lesson and reflect on what it got wrong",
                "ask it to give feedback on your own writing first. Eye-opening",
                "try one tool with one class for one week, then share with your team",
                "read your district's guidance, then ask students what they already do",
                "pair up with a colleague and test the same prompt, compare notes",
                "join a chat like this one! Steal ideas shamelessly",
                "start with admin tasks: emails, newsletters, permission slips",
                "ask your students. They will teach you more than any PD",
            ),
        ),
    ),
    Topic(
        "Feedback that moves learning forward",
        (
            "What does effective feedback look like in your classroom?",
            "How do you find time for feedback with large classes?",
            "What role does peer feedback play for your students?",
            "Which digital tools help you give faster, better feedback?",
            "How do you get students to actually act on feedback?",
            "What's one feedback habit you want to try next week?",
        ),
        (
            (
                "timely, specific and about the task, never the kid",
                "one glow, one grow, and a question to think about",
                "it's a conversation, not a grade. Students respond to my comments",
                "short and frequent. A sticky note beats a page of red ink",
                "tied to clear success criteria the students helped write",
                "feedback they can use tomorrow, not after the unit ends",
                "lots of verbal feedback while I circulate during work time",
                "it points forward: here is your next step",
            ),
            (
                "whole-class feedback sheets. Common errors, one slide, done",
                "I give feedback on one criterion per assignment, not all of them",
                "conferences during independent work, 3 minutes each",
                "voice notes! Faster than typing and kids love hearing them",
                "I stopped marking everything. Mark less, respond more",
                "student self-assessment first, then I respond to their reflection",
                "exit tickets sorted into three piles, then small groups the next day",
                "rubric codes plus one personal comment",
            ),
            (
                "huge! Gallery walks with sticky note feedback every project",
                "we use TAG: tell something you like, ask a question, give a suggestion",
                "peer review needs training. We model it with anonymous samples first",
                "my 2nd graders do two stars and a wish, with sentence stems",
                "critique protocols from EL Education changed my classroom",
                "peer feedback in pairs, then they decide what to use",
                "it's growing. Kids trust each other's feedback more than mine sometimes",
                "we practise kind, specific, helpful every single week",
            ),
            (
                "Mote for voice comments in Google Docs",
                "Flip for video reflections and quick replies",
                "Google Forms with response validation for instant hints",
                "Padlet walls for peer comments on drafts",
                "Kami for annotating PDFs right on the student work",
                "Seesaw for my littles, voice plus drawing",
                "Brisk for first-pass comments that I then edit",
                "Desmos activities. The feedback is built into the math",
            ),
            (
                "no grade until they respond to the feedback. It works",
                "feedback time in class: 10 minutes to revise right there",
                "I ask them to highlight where they used my comment",
                "a feedback log they track across the unit",
                "fewer comments, more questions they need to answer",
                "revision is part of the grade. Resubmits are the norm",
                "students pick one comment to act on and explain why",
                "they set a goal from feedback and check it at the next conference",
            ),
            (
                "whole-class feedback on Monday's essays",
                "trying voice notes for the first time",
                "one glow one grow on every exit ticket",
                "asking students how they want feedback",
                "5 minute conferences with my quietest students",
                "peer feedback with sentence stems",
                "no grades on first drafts, only comments",
                "a feedback wall with anonymous examples",
            ),
        ),
    ),
)

QUESTION_FORMS = ("Q{n}: {q}", "Q{n}. {q}", "Q{n} - {q}", "Q{n}) {q}", "Q{n} – {q}", "Q{n} {q}")
ANSWER_FORMS = (
    "A{n} {a}",
    "A{n}: {a}",
    "A{n}: {a}",
    "A{n} - {a}",
    "A{n}) {a}",
    "a{n} {a}",
    "A{n}. {a}",
    "A{n}- {a}",
)
COMBINED_FORMS = ("A{n}/A{m} {a}", "A{n} & A{m}: {a}", "A{n}, A{m}: {a}")
OPENERS = (
    "",
    "",
    "",
    "Honestly? ",
    "Great question! ",
    "Ooh. ",
    "For me, ",
    "Love this one. ",
    "Still thinking but ",
    "Quick one: ",
)
TAILS = (
    "",
    "",
    "",
    "",
    ". Works with my littles too",
    ". Game changer this year",
    ". Took me years to learn that",
    ". The kids love it",
    ". Still iterating!",
    ". Our whole team does this now",
    ". Small steps",
    ", and it shows in their work",
    ". Ask me how it went in June 😂",
    ". My admin is on board too",
    ". Learned it from a colleague",
    ". It's not perfect but it's a start",
)
CLOSERS = ("", "", "", " 🙌", " 💡", " ✅", " 🤔", " 🚀", " 😅", " 👏", " 📚", " 🧠", " ❤️")
AGREE = (
    "Yes! This is so important",
    "Love this idea, stealing it for Monday",
    "Same here. It takes time but it's worth it",
    "This 👆",
    "Such a good point",
    "How do you introduce that to students?",
    "Do you have an example you could share?",
    "We tried this last year and it changed everything",
    "Adding this to my notes 📝",
    "So true. Our kids need this",
    "Wait, tell me more about this!",
    "Brilliant 💡",
    "100%. Couldn't agree more",
    "Did it take long to set up?",
)
THANKS = (
    "Thanks! Happy to share what we use",
    "Yes! DM me and I'll send it over",
    "It took a few weeks but the kids own it now",
    "Ha, it was messy at first 😂",
    "Thank you! Learned it from this chat actually",
    "Totally. Start small!",
)
QUOTE_LINES = (
    "This is the answer right here 👇",
    "Saving this idea for next week",
    "Yes yes yes",
    "Everyone read this one 👇",
    "Such a smart way to do it",
    "Needed this reminder tonight",
)
HYPE = (
    "Who's ready for {tag} tonight? 🙋",
    "Tea ☕ check, notebook ✅ See you at {tag} in a few minutes!",
    "First time joining {tag}, be gentle 😅",
    "Can't wait for tonight's {tag}, the topic is perfect timing",
    "Running late from parent conferences but I'll catch {tag} 🏃‍♀️",
    "Snacks ready. {tag} here I come 🍿",
)
AFTERGLOW = (
    "What a great {tag} tonight! So many ideas to try 🙌",
    "My notes from {tag} are three pages long 📝 Thank you all",
    "Late to the party: A6 start small and ask your students. {tag}",
    "Thanks {mod} for a fantastic {tag}! See you next week",
    "Followed so many new people from {tag} tonight ✨",
    "Still thinking about Q4 from {tag}. Great conversation, everyone",
)
GREETINGS = ("Hi {tag}!", "Hello friends!", "Hey everyone 👋", "Evening all!", "Hi from me!")

# Education resources shared in answers. Some appear again with campaign parameters, one through a
# shortener whose `unwound_url` is the same page: a digest should count each page once.
LINKS = (
    "https://www.edutopia.org/article/using-exit-tickets-assess-student-learning/",
    "https://www.cultofpedagogy.com/retrieval-practice/",
    "https://www.iste.org/standards/iste-standards-for-students",
    "https://www.commonsense.org/education/articles/ai-literacy-lessons-for-grades-6-12",
    "https://www.ascd.org/el/articles/seven-keys-to-effective-feedback",
    "https://eleducation.org/resources/austins-butterfly",
    "https://www.teachingchannel.com/blog/peer-feedback-protocols",
    "https://docs.google.com/presentation/d/1aB3cD4eF5gH6iJ7kL8mN9oP/edit?usp=sharing",
    "https://padlet.com/msrivera/ai-norms-7th-grade",
)
LINK_VARIANTS = (
    "https://www.edutopia.org/article/using-exit-tickets-assess-student-learning/"
    "?utm_source=twitter&utm_medium=social&utm_campaign=edutopia",
    "https://www.cultofpedagogy.com/retrieval-practice/?utm_source=x&utm_medium=social",
    "https://bit.ly/3Fq9xZt",
)
UNWOUND = {"https://bit.ly/3Fq9xZt": "https://www.cultofpedagogy.com/retrieval-practice/"}
LINK_LEADS = ("More here: ", "We used this: ", "Resource: ", "This helped me: ", "")


def generate_session(
    hashtag: str,
    moderators: Sequence[str],
    start_utc: datetime,
    seed: int,
    participants: int = DEFAULT_PARTICIPANTS,
) -> list[SeedPost]:
    """The seed posts of one chat, oldest first (see the module's description)."""
    return plan_session(hashtag, moderators, start_utc, seed, participants).posts


def plan_session(
    hashtag: str,
    moderators: Sequence[str],
    start_utc: datetime,
    seed: int,
    participants: int = DEFAULT_PARTICIPANTS,
) -> ChatSession:
    tag = hashtag.strip().lstrip("#＃")
    if not re.fullmatch(r"\w+", tag) or not moderators:
        raise ValueError("a chat needs a hashtag of word characters and at least one moderator")
    handles = [m.strip().lstrip("@") for m in moderators]
    if not all(_HANDLE.fullmatch(h) for h in handles):
        raise ValueError("moderators are X handles: letters, digits and _, at most 15")
    return _Chat(tag, handles, start_utc.astimezone(UTC), seed, participants).run()


@dataclass
class _Post:
    author: Person
    at: datetime
    text: str
    reply_to: _Post | None = None
    quote_of: _Post | None = None
    repost_of: _Post | None = None
    kind: str = "conversation"  # question, answer, intro, conversation, retweet
    quality: float = 0.0
    unwound: dict[str, str] = field(default_factory=dict)
    children: list[_Post] = field(default_factory=list)
    quotes: list[_Post] = field(default_factory=list)
    reposts: list[_Post] = field(default_factory=list)
    id: str = ""

    @property
    def root(self) -> _Post:
        return self.reply_to.root if self.reply_to else self


class _Chat:
    def __init__(
        self, tag: str, moderators: list[str], start: datetime, seed: int, participants: int
    ) -> None:
        # made-up chat posts need no secrecy, only the same posts for the same seed
        self.random = random.Random(f"chatdeck-chat:{seed}")  # nosec B311
        self.tag = tag
        self.start = start
        self.end = start + DURATION
        taken = {h.casefold() for h in moderators}
        pool = [p for p in PEOPLE if p.handle.casefold() not in taken]
        chosen = self.random.sample(pool, min(participants, len(pool)))
        self.people = [
            Person(p.handle, p.name, self.random.choice(ROLES), self.random.choice(PLACES))
            for p in chosen
        ]
        self.mods = [Person(h, _moderator_name(h), "moderator") for h in moderators]
        self.topic = TOPICS[seed % len(TOPICS)]
        # A few people do most of the talking, as in every chat.
        self.activity = {p.handle: min(0.97, 0.6 + 0.12 * self.random.paretovariate(2.0)) for p in
                         self.people}  # fmt: skip
        self.posts: list[_Post] = []
        self.questions: dict[int, _Post] = {}

    def hashtag(self) -> str:
        """The hashtag as people type it: mostly as announced, sometimes in other cases."""
        roll = self.random.random()
        if roll < 0.12:
            return f"#{self.tag.upper()}"
        if roll < 0.25:
            return f"#{self.tag[:1].upper()}{self.tag[1:]}"
        return f"#{self.tag}"

    def at(self, minutes: float) -> datetime:
        moment = self.start + timedelta(minutes=minutes)
        return moment.replace(microsecond=self.random.randrange(1000) * 1000)

    def add(self, post: _Post) -> _Post:
        if post.reply_to:
            post.reply_to.children.append(post)
        if post.quote_of:
            post.quote_of.quotes.append(post)
        if post.repost_of:
            post.repost_of.reposts.append(post)
        self.posts.append(post)
        return post

    def run(self) -> ChatSession:
        host = self.mods[0]
        self.before_the_start(host)
        welcome = self.add(
            _Post(
                host,
                self.at(0),
                f"Welcome to #{self.tag}! 👋 Tonight: {self.topic.title}. Introduce yourself: "
                "name, role, where you teach. Questions come as Q1, Q2…; answer with A1, A2… "
                f"and keep the hashtag! #{self.tag}",
                kind="intro",
                quality=0.6,
            )
        )
        for co_host in self.mods[1:]:
            self.add(
                _Post(
                    co_host,
                    self.at(0.8),
                    f"Co-moderating tonight with @{host.handle}! So glad you're here 🎉 "
                    f"#{self.tag}",
                    quality=0.3,
                )
            )
        self.introductions(welcome)
        for number in range(1, QUESTIONS + 1):
            self.question(number, host)
        self.wrap_up(host)
        self.top_up()
        return self.session()

    def before_the_start(self, host: Person) -> None:
        self.add(
            _Post(
                host,
                self.at(-12),
                f"Join us in 10 minutes for #{self.tag}: {self.topic.title} 💬 Bring a friend!",
                quality=0.4,
            )
        )
        for line, person in zip(HYPE, self.random.sample(self.people, 5), strict=False):
            self.add(
                _Post(
                    person,
                    self.at(self.random.uniform(-11, -0.5)),
                    line.format(tag=self.hashtag()),
                    quality=0.1,
                )
            )

    def introductions(self, welcome: _Post) -> None:
        for person in self.people:
            if self.random.random() > 0.75:
                continue
            greeting = self.random.choice(GREETINGS).format(tag=self.hashtag())
            text = (
                f"{greeting} {person.first_name}, {person.role} {person.place} "
                f"{self.random.choice(CLOSERS).strip()} {self.hashtag()}"
            )
            as_reply = self.random.random() < 0.5
            self.add(
                _Post(
                    person,
                    self.at(self.random.uniform(0.3, 4.5)),
                    (f"@{welcome.author.handle} " if as_reply else "") + _tidy(text),
                    reply_to=welcome if as_reply else None,
                    kind="intro",
                    quality=self.random.random() * 0.4,
                )
            )

    def question(self, number: int, host: Person) -> None:
        asked = 5 + 8 * (number - 1) + self.random.uniform(0, 0.6)
        form = QUESTION_FORMS[(number - 1) % len(QUESTION_FORMS)]
        text = form.format(n=number, q=self.topic.questions[number - 1]) + f" #{self.tag}"
        question = self.add(_Post(host, self.at(asked), text, kind="question", quality=0.9))
        self.questions[number] = question
        reposters = self.mods[1:] + self.random.sample(self.people, 2)
        for person in reposters:
            self.add(
                _Post(
                    person,
                    self.at(asked + self.random.uniform(0.1, 2)),
                    f"RT @{host.handle}: {text}",
                    repost_of=question,
                    kind="retweet",
                )
            )
        for person in self.people:
            if self.random.random() < self.activity[person.handle]:
                self.answer(number, question, person, asked)

    def answer(self, number: int, question: _Post, person: Person, asked: float) -> None:
        late = number < QUESTIONS and self.random.random() < 0.06
        numbered = True
        if late:  # answered together with the next question
            when = asked + 8 + self.random.uniform(0.5, 5)
            form = self.random.choice(COMBINED_FORMS)
            core = self.core(number) + "; " + self.core(number + 1)
            body = form.format(n=number, m=number + 1, a=core)
        else:
            when = asked + 0.3 + 7.5 * self.random.betavariate(1.4, 3.0)
            core = self.core(number)
            if self.random.random() < 0.1:  # a reply to the question, without an A-number
                body, numbered = core[:1].upper() + core[1:], False
            else:
                opener = self.random.choice(OPENERS)
                if not opener or opener.rstrip()[-1] in ".!?":
                    core = core[:1].upper() + core[1:]
                body = self.random.choice(ANSWER_FORMS).format(n=number, a=opener + core)
        body += self.random.choice(TAILS) + self.random.choice(CLOSERS)
        unwound: dict[str, str] = {}
        link = self.link() if self.random.random() < 0.2 else None
        if link and weighted_length(body) < MAX_LENGTH - 80:
            unwound = {link: UNWOUND[link]} if link in UNWOUND else {}
            body += f" {self.random.choice(LINK_LEADS)}{link}"
        as_reply = not numbered or self.random.random() < 0.45
        forgot = self.random.random() < 0.04  # a search for the hashtag never sees this one
        text = body if forgot else f"{body} {self.hashtag()}"
        if as_reply:
            text = f"@{question.author.handle} {text}"
        quality = self.random.random() ** 1.8
        post = self.add(
            _Post(
                person,
                self.at(when),
                _tidy(text),
                reply_to=question if as_reply else None,
                kind="answer",
                quality=quality,
                unwound=unwound,
            )
        )
        self.reactions(post, when)

    def core(self, number: int) -> str:
        return self.random.choice(self.topic.answers[number - 1])

    def link(self) -> str:
        if self.random.random() < 0.3:
            return self.random.choice(LINK_VARIANTS)
        return self.random.choice(LINKS)

    def reactions(self, answer: _Post, when: float) -> None:
        """Replies from others (sometimes answered back), the moderators' cheers, and quotes."""
        chance = 0.6 + 0.3 * answer.quality
        while self.random.random() < chance:
            chance *= 0.45
            replier = self.random.choice([*self.people, *self.mods])
            if replier is answer.author:
                continue
            said = self.random.choice(AGREE)
            reply_at = when + self.random.uniform(0.4, 6)
            tagged = self.random.random() < 0.8
            text = f"@{answer.author.handle} {said}" + (f" {self.hashtag()}" if tagged else "")
            reply = self.add(
                _Post(
                    replier,
                    self.at(reply_at),
                    text,
                    reply_to=answer,
                    quality=self.random.random() ** 3 * 0.4,
                )
            )
            if self.random.random() < 0.3:
                back = f"@{replier.handle} {self.random.choice(THANKS)} {self.hashtag()}"
                self.add(
                    _Post(
                        answer.author,
                        self.at(reply_at + self.random.uniform(0.3, 3)),
                        back,
                        reply_to=reply,
                        quality=self.random.random() ** 3 * 0.3,
                    )
                )
        if self.random.random() < 0.08 + 0.2 * answer.quality:
            quoter = self.random.choice(self.people)
            if quoter is not answer.author:
                line = self.random.choice(QUOTE_LINES)
                self.add(
                    _Post(
                        quoter,
                        self.at(when + self.random.uniform(0.5, 5)),
                        f"{line} {self.hashtag()} https://twitter.com/{answer.author.handle}"
                        "/status/{quoted}",
                        quote_of=answer,
                        quality=self.random.random() * 0.5,
                    )
                )

    def wrap_up(self, host: Person) -> None:
        self.add(
            _Post(
                host,
                self.at(55 + self.random.uniform(0, 1)),
                f"That's a wrap on #{self.tag}! 🎉 Thank you all for sharing so generously. "
                "Same time next week, and follow someone new you met tonight 💡",
                quality=0.7,
            )
        )
        for co_host in self.mods[1:]:
            self.add(
                _Post(
                    co_host,
                    self.at(56 + self.random.uniform(0, 1)),
                    f"Thanks everyone! The archive of tonight's #{self.tag} is coming soon 📚",
                    quality=0.4,
                )
            )
        for line, person in zip(AFTERGLOW, self.random.sample(self.people, 5), strict=False):
            self.add(
                _Post(
                    person,
                    self.at(self.random.uniform(56, 85)),
                    line.format(tag=self.hashtag(), mod=f"@{host.handle}"),
                    quality=self.random.random() * 0.5,
                )
            )

    def top_up(self) -> None:
        """A quiet night still makes a full hour: more side conversations, up to MIN_POSTS."""
        answers = [post for post in self.posts if post.kind == "answer"]
        while len(self.posts) < MIN_POSTS:
            answer = self.random.choice(answers)
            replier = self.random.choice([p for p in self.people if p != answer.author])
            said = self.random.choice(AGREE)
            minutes = (answer.at - self.start) / timedelta(minutes=1) + self.random.uniform(1, 9)
            self.add(
                _Post(
                    replier,
                    self.at(minutes),
                    f"@{answer.author.handle} {said} {self.hashtag()}",
                    reply_to=answer,
                    quality=self.random.random() ** 3 * 0.4,
                )
            )

    def session(self) -> ChatSession:
        self.posts.sort(key=lambda post: post.at)
        base = int(self.random.randrange(1 << 10)) << 12  # keeps two seeds' ids apart
        for index, post in enumerate(self.posts):
            post.id = str(snowflake(post.at) + base + index)
        seeded = [self.seed_post(post) for post in self.posts]
        return ChatSession(
            posts=seeded,
            questions={number: post.id for number, post in self.questions.items()},
            participants=[p.handle for p in self.people],
            topic=self.topic.title,
            start=self.start,
            end=self.end,
        )

    def seed_post(self, post: _Post) -> SeedPost:
        text = post.text.replace("{quoted}", post.quote_of.id) if post.quote_of else post.text
        if weighted_length(text) > MAX_LENGTH:
            raise AssertionError(f"a generated post is too long for X: {text!r}")
        item: SeedPost = {
            "id": post.id,
            "text": text,
            "author_id": post.author.author_id,
            "username": post.author.handle,
            "name": post.author.name,
            "created_at": x_time(post.at),
            "conversation_id": post.root.id,
            "lang": "en",
            "growth": self.growth(post),
        }
        references = []
        if post.reply_to:
            references.append({"type": "replied_to", "id": post.reply_to.id})
            item["in_reply_to_user_id"] = post.reply_to.author.author_id
        if post.quote_of:
            references.append({"type": "quoted", "id": post.quote_of.id})
        if post.repost_of:
            references = [{"type": "retweeted", "id": post.repost_of.id}]
            item["conversation_id"] = post.id
        if references:
            item["referenced_tweets"] = references
        if post.unwound:
            item["unwound_urls"] = post.unwound
        return item

    def growth(self, post: _Post) -> dict[str, dict[str, float]]:
        """Final extra counts and how fast they come: the better the post, the more it gets."""
        if post.kind == "retweet":
            return {}
        q = post.quality
        boost = 2.0 if post.author in self.mods else 1.0
        likes = round((1 + 34 * q**1.5) * boost + self.random.random() * 2)
        reposts = round((7 * q**2.5) * boost)
        reposts = max(reposts, len(post.reposts))
        bookmarks = round(5 * q**2)
        impressions = round(40 + 400 * q + 25 * len(post.children) + self.random.random() * 30)
        minutes = 8 + 30 * self.random.random()
        counts = {
            "like_count": likes,
            "retweet_count": reposts,
            # Replies and quotes in the chat itself, and a few from people who left off the tag.
            "reply_count": len(post.children) + (1 if self.random.random() < 0.1 else 0),
            "quote_count": len(post.quotes),
            "bookmark_count": bookmarks,
            "impression_count": impressions,
        }
        return {
            name: {"to": count, "half_life_minutes": round(minutes, 1)}
            for name, count in counts.items()
            if count
        }


def _moderator_name(handle: str) -> str:
    return re.sub(r"[_\d]+", " ", handle).strip().title() or handle


def _tidy(text: str) -> str:
    return re.sub(r"\s{2,}", " ", text).strip()

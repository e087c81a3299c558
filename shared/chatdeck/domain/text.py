"""Weighted post length as X counts it: twitter-text configuration v3.

X does not count characters. It counts a *weighted length*, and a post may have at most 280:

* The text is NFC-normalised first, so ``"cafe\u0301"`` and ``"café"`` both count 4.
* Each code point in ``U+0000..U+10FF`` (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic,
  Devanagari, Thai, Georgian, ...), ``U+2000..U+200D`` (spaces, zero-width joiners),
  ``U+2010..U+201F`` (dashes, curly quotes) or ``U+2032..U+2037`` (primes) counts 1.
  Every other code point counts 2: CJK (漢字, かな, 한글), ``…``, ``•``, ``€``, ``™`` and anything
  outside the Basic Multilingual Plane.
* Each URL counts 23 (``URL_WEIGHT``), however long it is, because X shortens it to a t.co link.
* Each emoji counts 2 in total, however many code points it is built from: ZWJ sequences
  (👩‍🏫, 🐦‍🔥), skin tones (👋🏽), keycaps (1️⃣), flags (🇺🇸, 🏴󠁧󠁢󠁳󠁣󠁴󠁿) and variation selector 16 (❤️).

URLs are recognised as twitter-text's ``extractUrls`` does (``extractUrlsWithoutProtocol`` on):

* ``http://`` or ``https://`` (any case), then a host whose last label is a top-level domain,
  then an optional ``:port``, ``/path`` and ``?query``. Host labels may use any script
  (``http://☃.net``); a path may use ASCII, Latin accents and Cyrillic; trailing punctuation
  such as ``.``, ``,``, ``!``, ``:`` or an unbalanced ``)`` is not part of the URL.
* Bare domains without a scheme (``example.com/path``, ``www.school.org.uk``, ``bit.ly/x``):
  ASCII or accented-Latin labels and a top-level domain.
* Not a URL: anything directly after a letter, digit, ``@``, ``$`` or ``#`` (mentions, cashtags,
  hashtags, e-mail addresses), a bare domain directly after ``-``, ``_``, ``.`` or ``/``, a TLD
  directly followed by a letter, digit, ``@``, ``+`` or ``-`` (``archive.tar.bz2``), hosts with
  a label over 63 characters (after punycode), URLs over 4096 characters, t.co links whose slug
  is over 40 characters, IP-address hosts, ``user:password@`` URLs and other schemes (``ftp://``).
  Those count character by character, as on X.
* A t.co link ends after its slug (and query): in ``http://t.co/abc's`` the ``'s`` is text.

Known limits:

* Top-level domains are a snapshot of the IANA root zone (version 2026051600, IDNs decoded), as
  twitter-text embeds its own list. A TLD delegated later is not recognised, so a URL using it
  counts at its raw length. Because the list is complete, typos such as ``lesson.Today`` or
  ``notes.zip`` count as links, exactly as X counts them.
* A bare domain with an underscore in a subdomain label (``a_b.example.com``) or one glued to
  preceding non-ASCII text after ``_`` is not recognised; twitter-text keeps part of it.
* Emoji are found from their structure, not from a list of sequences: an Extended_Pictographic
  code point (Unicode 15.1 data, which reserves the blocks where future emoji will be encoded)
  with an optional VS16 or skin tone and an optional tag sequence, joined by ZWJ to further
  such code points; a keycap; or a pair of regional indicators. So emoji newer than this module
  count 2, and so do non-standard pairs such as 🇦🇦 (twemoji, used by twitter-text, counts its
  two indicators 2 each). ``©``/``®`` count 1 unless followed by VS16. A text-presentation
  selector (U+FE0E) is not part of the emoji and counts 2 on its own, as in twitter-text.
* X also refuses a post containing U+FFFE, U+FEFF or U+FFFF; that is not checked here.
* Lengths are code points, not UTF-16 units, which matters only for the 4096 URL cap.
"""

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Final

__all__ = [
    "MAX_WEIGHTED_LENGTH",
    "URL_WEIGHT",
    "find_urls",
    "is_blank",
    "is_within_limit",
    "weighted_length",
]

MAX_WEIGHTED_LENGTH: Final = 280
URL_WEIGHT: Final = 23

_EMOJI_WEIGHT: Final = 2
_MAX_URL_LENGTH: Final = 4096
_MAX_LABEL_LENGTH: Final = 63
_MAX_TCO_SLUG_LENGTH: Final = 40
_DEFAULT_SCHEME: Final = "https://"

# Config v3 "ranges" with weight 100 (counts 1); every other code point has defaultWeight 200.
_WEIGHT_ONE_RANGES: Final = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

# Extended_Pictographic (emoji-data.txt, Unicode 15.1), including reserved code points.
_EXTENDED_PICTOGRAPHIC: Final = """
00A9 00AE 203C 2049 2122 2139 2194-2199 21A9-21AA 231A-231B 2328 2388 23CF 23E9-23F3 23F8-23FA
24C2 25AA-25AB 25B6 25C0 25FB-25FE 2600-2605 2607-2612 2614-2685 2690-2705 2708-2712 2714 2716
271D 2721 2728 2733-2734 2744 2747 274C 274E 2753-2755 2757 2763-2767 2795-2797 27A1 27B0 27BF
2934-2935 2B05-2B07 2B1B-2B1C 2B50 2B55 3030 303D 3297 3299 1F000-1F0FF 1F10D-1F10F 1F12F
1F16C-1F171 1F17E-1F17F 1F18E 1F191-1F19A 1F1AD-1F1E5 1F201-1F20F 1F21A 1F22F 1F232-1F23A
1F23C-1F23F 1F249-1F3FA 1F400-1F53D 1F546-1F64F 1F680-1F6FF 1F774-1F77F 1F7D5-1F7FF 1F80C-1F80F
1F848-1F84F 1F85A-1F85F 1F888-1F88F 1F8AE-1F8FF 1F90C-1F93A 1F93C-1F945 1F947-1FAFF 1FC00-1FFFD
"""

# IANA root zone, https://data.iana.org/TLD/tlds-alpha-by-domain.txt, version 2026051600.
_ASCII_TLDS: Final = """
aaa aarp abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant accountants
aco actor ad ads adult ae aeg aero aetna af afl africa ag agakhan agency ai aig airbus airforce
airtel akdn al alibaba alipay allfinanz allstate ally alsace alstom am amazon americanexpress
americanfamily amex amfam amica amsterdam analytics android anquan anz ao aol apartments app
apple aq aquarelle ar arab aramco archi army arpa art arte as asda asia associates at athleta
attorney au auction audi audible audio auspost author auto autos aw aws ax axa az azure ba baby
baidu banamex band bank bar barcelona barclaycard barclays barefoot bargains baseball basketball
bauhaus bayern bb bbc bbt bbva bcg bcn bd be beats beauty beer berlin best bestbuy bet bf bg bh
bharti bi bible bid bike bing bingo bio biz bj black blackfriday blockbuster blog bloomberg blue
bm bms bmw bn bnpparibas bo boats boehringer bofa bom bond boo book booking bosch bostik boston
bot boutique box br bradesco bridgestone broadway broker brother brussels bs bt build builders
business buy buzz bv bw by bz bzh ca cab cafe cal call calvinklein cam camera camp canon
capetown capital capitalone car caravan cards care career careers cars casa case cash casino cat
catering catholic cba cbn cbre cc cd center ceo cern cf cfa cfd cg ch chanel channel charity
chase chat cheap chintai christmas chrome church ci cipriani circle cisco citadel citi citic
city ck cl claims cleaning click clinic clinique clothing cloud club clubmed cm cn co coach
codes coffee college cologne com commbank community company compare computer comsec condos
construction consulting contact contractors cooking cool coop corsica country coupon coupons
courses cpa cr credit creditcard creditunion cricket crown crs cruise cruises cu cuisinella cv
cw cx cy cymru cyou cz dad dance data date dating datsun day dclk dds de deal dealer deals
degree delivery dell deloitte delta democrat dental dentist desi design dev dhl diamonds diet
digital direct directory discount discover dish diy dj dk dm dnp do docs doctor dog domains dot
download drive dtv dubai dupont durban dvag dvr dz earth eat ec eco edeka edu education ee eg
email emerck energy engineer engineering enterprises epson equipment er ericsson erni es esq
estate et eu eurovision eus events exchange expert exposed express extraspace fage fail
fairwinds faith family fan fans farm farmers fashion fast fedex feedback ferrari ferrero fi
fidelity fido film final finance financial fire firestone firmdale fish fishing fit fitness fj
fk flickr flights flir florist flowers fly fm fo foo food football ford forex forsale forum
foundation fox fr free fresenius frl frogans frontier ftr fujitsu fun fund furniture futbol fyi
ga gal gallery gallo gallup game games gap garden gay gb gbiz gd gdn ge gea gent genting george
gf gg ggee gh gi gift gifts gives giving gl glass gle global globo gm gmail gmbh gmo gmx gn
godaddy gold goldpoint golf goodyear goog google gop got gov gp gq gr grainger graphics gratis
green gripe grocery group gs gt gu gucci guge guide guitars guru gw gy hair hamburg hangout haus
hbo hdfc hdfcbank health healthcare help helsinki here hermes hiphop hisamitsu hitachi hiv hk
hkt hm hn hockey holdings holiday homedepot homegoods homes homesense honda horse hospital host
hosting hot hotels hotmail house how hr hsbc ht hu hughes hyatt hyundai ibm icbc ice icu id ie
ieee ifm ikano il im imamat imdb immo immobilien in inc industries infiniti info ing ink
institute insurance insure int international intuit investments io ipiranga iq ir irish is
ismaili ist istanbul it itau itv jaguar java jcb je jeep jetzt jewelry jio jll jm jmp jnj jo
jobs joburg jot joy jp jpmorgan jprs juegos juniper kaufen kddi ke kerryhotels kerryproperties
kfh kg kh ki kia kids kim kindle kitchen kiwi km kn koeln komatsu kosher kp kpmg kpn kr krd kred
kuokgroup kw ky kyoto kz la lacaixa lamborghini lamer land landrover lanxess lasalle lat latino
latrobe law lawyer lb lc lds lease leclerc lefrak legal lego lexus lgbt li lidl life
lifeinsurance lifestyle lighting like lilly limited limo lincoln link live living lk llc llp
loan loans locker locus lol london lotte lotto love lpl lplfinancial lr ls lt ltd ltda lu
lundbeck luxe luxury lv ly ma madrid maif maison makeup man management mango map market
marketing markets marriott marshalls mattel mba mc mckinsey md me med media meet melbourne meme
memorial men menu merck merckmsd mg mh miami microsoft mil mini mint mit mitsubishi mk ml mlb
mls mm mma mn mo mobi mobile moda moe moi mom monash money monster mormon mortgage moscow moto
motorcycles mov movie mp mq mr ms msd mt mtn mtr mu museum music mv mw mx my mz na nab nagoya
name navy nba nc ne nec net netbank netflix network neustar new news next nextdirect nexus nf
nfl ng ngo nhk ni nico nike nikon ninja nissan nissay nl no nokia norton now nowruz nowtv np nr
nra nrw ntt nu nyc nz obi observer office okinawa olayan olayangroup ollo om omega one ong onl
online ooo open oracle orange org organic origins osaka otsuka ott ovh pa page panasonic paris
pars partners parts party pay pccw pe pet pf pfizer pg ph pharmacy phd philips phone photo
photography photos physio pics pictet pictures pid pin ping pink pioneer pizza pk pl place play
playstation plumbing plus pm pn pnc pohl poker politie porn post pr praxi press prime pro prod
productions prof progressive promo properties property protection pru prudential ps pt pub pw
pwc py qa qpon quebec quest racing radio re read realestate realtor realty recipes red
redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican rest
restaurant review reviews rexroth rich richardli ricoh ril rio rip ro rocks rodeo rogers room rs
rsvp ru rugby ruhr run rw rwe ryukyu sa saarland safe safety sakura sale salon samsclub samsung
sandvik sandvikcoromant sanofi sap sarl sas save saxo sb sbi sbs sc scb schaeffler schmidt
scholarships school schule schwarz science scot sd se search seat secure security seek select
sener services seven sew sex sexy sfr sg sh shangrila sharp shell shia shiksha shoes shop
shopping shouji show si silk sina singles site sj sk ski skin sky skype sl sling sm smart smile
sn sncf so soccer social softbank software sohu solar solutions song sony soy spa space sport
spot sr srl ss st stada staples star statebank statefarm stc stcgroup stockholm storage store
stream studio study style su sucks supplies supply support surf surgery suzuki sv swatch swiss
sx sy sydney systems sz tab taipei talk taobao target tatamotors tatar tattoo tax taxi tc tci td
tdk team tech technology tel temasek tennis teva tf tg th thd theater theatre tiaa tickets
tienda tips tires tirol tj tjmaxx tjx tk tkmaxx tl tm tmall tn to today tokyo tools top toray
toshiba total tours town toyota toys tr trade trading training travel travelers
travelersinsurance trust trv tt tube tui tunes tushu tv tvs tw tz ua ubank ubs ug uk unicom
university uno uol ups us uy uz va vacations vana vanguard vc ve vegas ventures verisign
versicherung vet vg vi viajes video vig viking villas vin vip virgin visa vision viva vivo
vlaanderen vn vodka volvo vote voting voto voyage vu wales walmart walter wang wanggou watch
watches weather weatherchannel webcam weber website wed wedding weibo weir wf whoswho wien wiki
williamhill win windows wine winners wme woodside work works world wow ws wtc wtf xbox xerox
xihuan xin xxx xyz yachts yahoo yamaxun yandex ye yodobashi yoga yokohama you youtube yt yun za
zappos zara zero zip zm zone zuerich zw
"""
_IDN_TLDS: Final = """
vermögensberater vermögensberatung ελ ευ бг бел дети ею католик ком мкд мон москва онлайн орг
рус рф сайт срб укр қаз հայ ישראל קום ابوظبي ارامكو الاردن البحرين الجزائر السعودية العليان
المغرب امارات ایران بارت بازار بيتك بھارت تونس سودان سورية شبكة عراق عرب عمان فلسطين قطر كاثوليك
كوم مصر مليسيا موريتانيا موقع همراه پاکستان ڀارت कॉम नेट भारत भारतम् भारोत संगठन বাংলা ভারত ভাৰত
ਭਾਰਤ ભારત ଭାରତ இந்தியா இலங்கை சிங்கப்பூர் భారత్ ಭಾರತ ഭാരതം ලංකා คอม ไทย ລາວ გე みんな アマゾン
クラウド グーグル コム ストア セール ファッション ポイント 世界 中信 中国 中國 中文网 亚马逊
企业 佛山 信息 健康 八卦 公司 公益 台湾 台灣 商城 商店 商标 嘉里 嘉里大酒店 在线 大拿 天主教
娱乐 家電 广东 微博 慈善 我爱你 手机 招聘 政务 政府 新加坡 新闻 时尚 書籍 机构 淡马锡 游戏 澳門
点看 移动 组织机构 网址 网店 网站 网络 联通 谷歌 购物 通販 集团 電訊盈科 飞利浦 食品 餐厅
香格里拉 香港 닷넷 닷컴 삼성 한국
"""

type _Trie = dict[str, _Trie]


def _ranges(spec: str) -> list[tuple[int, int]]:
    """Parse "00A9 2194-2199 ..." into inclusive (start, end) code point ranges."""
    ranges = []
    for item in spec.split():
        start, _, end = item.partition("-")
        ranges.append((int(start, 16), int(end or start, 16)))
    return ranges


def _char_class(ranges: Iterable[tuple[int, int]], *, negate: bool = False) -> str:
    parts = "".join(
        f"\\U{start:08x}" if start == end else f"\\U{start:08x}-\\U{end:08x}"
        for start, end in ranges
    )
    return f"[{'^' if negate else ''}{parts}]"


def _words_pattern(words: Iterable[str]) -> str:
    """A regex matching exactly one of `words`, shaped as a trie so that it fails fast."""
    root: _Trie = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_pattern(root)


def _trie_pattern(node: _Trie) -> str:
    branches = [
        re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    if "" not in node:
        return body
    return f"(?:{body})?" if len(branches) == 1 else f"{body}?"


# --- weights -------------------------------------------------------------------------------------

# Each pattern is compiled on first use, not at import: compiling them all takes ~40 ms, which
# every function importing the domain (the web's cold start among them) would pay up front.


@cache
def _weight_two_re() -> "re.Pattern[str]":
    return re.compile(_char_class(_WEIGHT_ONE_RANGES, negate=True))


_PICTOGRAPH: Final = _char_class(
    (start, end) for start, end in _ranges(_EXTENDED_PICTOGRAPHIC) if start > 0xFF
)
_SKIN_TONE: Final = "[\U0001f3fb-\U0001f3ff]"
_EMOJI_ELEMENT: Final = (
    f"(?:{_PICTOGRAPH}|[\u00a9\u00ae](?=\ufe0f))"  # © and ® are emoji only with VS16
    f"(?:{_SKIN_TONE}\ufe0f?|\ufe0f{_SKIN_TONE}?)?"
    "(?:[\U000e0020-\U000e007e]+\U000e007f)?"  # tag sequence, e.g. the Scotland flag
)


@cache
def _emoji_re() -> "re.Pattern[str]":
    return re.compile(
        "[#*0-9]\ufe0f?\u20e3"  # keycap
        "|[\U0001f1e6-\U0001f1ff]{2}"  # flag: a pair of regional indicators
        f"|{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})*"
    )


# --- URLs (twitter-text's extractUrl) -----------------------------------------------------------

_LATIN_ACCENTS: Final = (
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC: Final = "\u0400-\u04ff"
_NOT_DOMAIN_CHARS: Final = (
    "\x00-\x20\x7f!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~"  # controls, space, ASCII punctuation
    "\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"  # other spaces
    "\ufffe\ufeff\uffff\u202a-\u202e\u061c\u200e\u200f\u2066-\u2069"  # invalid, directional
)
_DOMAIN_CHAR: Final = f"[^{_NOT_DOMAIN_CHARS}]"
_SUBDOMAIN: Final = f"(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\."
_DOMAIN_NAME: Final = f"(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR})*)?{_DOMAIN_CHAR}\\."
_ASCII_LABEL_CHAR: Final = f"[A-Za-z0-9{_LATIN_ACCENTS}]"
_ASCII_LABEL: Final = f"{_ASCII_LABEL_CHAR}(?:[-A-Za-z0-9{_LATIN_ACCENTS}]*{_ASCII_LABEL_CHAR})?"
_TLDS: Final = frozenset(
    unicodedata.normalize("NFC", tld) for tld in (_ASCII_TLDS + _IDN_TLDS).split()
)


def _tld() -> str:
    return f"(?P<tld>(?i:{_words_pattern(_TLDS)}|xn--[-0-9a-z]+))(?![0-9A-Za-z@+-])"


_PATH_CHAR: Final = f"[A-Za-z0-9{_CYRILLIC}{_LATIN_ACCENTS}!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&]"
_BALANCED_PARENS: Final = f"\\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*)\\)"
_PATH_END: Final = f"(?:[A-Za-z0-9{_CYRILLIC}{_LATIN_ACCENTS}+\\-=_#/]|{_BALANCED_PARENS})"
_PATH_SEGMENT: Final = (
    f"(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
)
_QUERY: Final = "\\?[A-Za-z0-9!?*'@();:&=+$/%#\\[\\]\\-_.,~|]*[A-Za-z0-9\\-_&=#/]"
_REST: Final = f"(?::[0-9]+)?(?:/{_PATH_SEGMENT}*)?(?:{_QUERY})?"


@cache
def _url_re() -> "re.Pattern[str]":
    return re.compile(
        "(?:(?<![A-Za-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff])"
        f"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?://)(?:{_SUBDOMAIN})*{_DOMAIN_NAME}"
        "|(?<![A-Za-z0-9@\uff20$#\uff03\ufffe\ufeff\uffff_./-])"
        f"(?:{_ASCII_LABEL}\\.)+"
        f"){_tld()}{_REST}"
    )


@cache
def _tco_re() -> "re.Pattern[str]":
    return re.compile(f"https?://t\\.co/(?P<slug>[a-z0-9]+)(?:{_QUERY})?", re.IGNORECASE | re.ASCII)


def _valid_host(host: str) -> bool:
    if host[:4].lower() == "xn--" and not host.isascii():
        return False
    for label in host.split("."):
        if not label.isascii():
            try:
                label = "xn--" + label.encode("punycode").decode("ascii")
            except UnicodeError:
                return False
        if not 1 <= len(label) <= _MAX_LABEL_LENGTH:
            return False
    return True


def _url_spans(text: str) -> Iterator[tuple[int, int]]:
    """Start and end offsets of each URL in `text`, in order."""
    if "." not in text:
        return
    for match in _url_re().finditer(text):
        start, end = match.span()
        scheme = match["scheme"]
        host = text[match.end("scheme") if scheme else start : match.end("tld")]
        if len(scheme or _DEFAULT_SCHEME) + end - start > _MAX_URL_LENGTH or not _valid_host(host):
            continue
        if scheme:
            tco = _tco_re().match(text, start, end)
            if tco:
                if len(tco["slug"]) > _MAX_TCO_SLUG_LENGTH:
                    continue
                end = tco.end()
        yield start, end


def _count(text: str) -> int:
    """Weighted length of text that contains no URL."""
    if text.isascii():  # fast path: every ASCII character counts 1 and none is part of an emoji
        return len(text)
    length = len(text) + len(_weight_two_re().findall(text))
    for emoji in _emoji_re().findall(text):
        length -= len(emoji) + len(_weight_two_re().findall(emoji)) - _EMOJI_WEIGHT
    return length


def is_blank(text: str) -> bool:
    """True when nothing in `text` would be visible: whitespace and invisible format characters."""
    return all(
        char.isspace() or char in "\ufe0e\ufe0f" or unicodedata.category(char) == "Cf"
        for char in text
    )


# --- public API -----------------------------------------------------------------------------------


def weighted_length(text: str) -> int:
    """The length X counts for `text` (limit `MAX_WEIGHTED_LENGTH`); see the module docstring."""
    text = unicodedata.normalize("NFC", text)
    length = 0
    position = 0
    for start, end in _url_spans(text):
        length += _count(text[position:start]) + URL_WEIGHT
        position = end
    return length + _count(text[position:])


def is_within_limit(text: str) -> bool:
    """Whether X would accept `text` as a post: not blank and 0 < weighted length <= 280."""
    if is_blank(text):
        return False
    return 0 < weighted_length(text) <= MAX_WEIGHTED_LENGTH


def find_urls(text: str) -> list[str]:
    """The URLs X would shorten to t.co links, exactly as they appear in `text`, in order.

    `text` is not normalised here, so every URL returned is a substring of it.
    """
    return [text[start:end] for start, end in _url_spans(text)]

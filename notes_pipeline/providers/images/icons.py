"""An icon for a scene, chosen by its words from Google's Material Icons (Apache-2.0, bundled in icons/).

The font and its licence come from Debian's fonts-material-design-icons-iconfont 6.7.0; nothing is
fetched at run time. Each icon is listed with the words that call for it, common synonyms and
inflections included (and a few Hindi and Urdu words); a word belongs to one icon only. A scene's
heading counts more than its bullets, its bullets more than its narration, so the icon follows what
the scene is about rather than a passing word.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from notes_pipeline.domain.models import Scene

ICON_FONT = Path(__file__).with_name("icons") / "MaterialIcons-Regular.ttf"

# icon name: (codepoint in the font, the words that call for it; "a_b" is the phrase "a b")
ICONS: dict[str, tuple[int, str]] = {
    "school": (
        0xE80C,
        "school schools learn learning learner student students pupil teach teaching teacher "
        "education educational lesson lessons course courses class classroom lecture tutorial study "
        "studying university college academic",
    ),
    "menu_book": (
        0xEA19,
        "book books read reading reader textbook chapter chapters library literature novel page pages "
        "manual guide handbook documentation docs किताब पुस्तक کتاب",
    ),
    "lightbulb": (
        0xE0F0,
        "idea ideas insight inspiration creative creativity innovation invent invention think "
        "thinking concept concepts tip tips विचार خیال",
    ),
    "psychology": (
        0xEA4A,
        "mind brain cognitive cognition psychology memory mental neuroscience attention focus perception",
    ),
    "science": (
        0xEA4B,
        "science scientific experiment experiments chemistry laboratory lab research hypothesis "
        "विज्ञान سائنس physics physical quantum atom atoms",
    ),
    "biotech": (0xEA3A, "biology dna gene genes genetic cell cells molecule protein"),
    "calculate": (
        0xEA5F,
        "math mathematics calculate calculation arithmetic equation equations formula formulas "
        "algebra compute computing number numbers गणित ریاضی",
    ),
    "functions": (
        0xE24A,
        "function functions likelihood probability statistics statistical estimate estimation "
        "estimator parameter parameters variable variables derivative gradient calculus integral "
        "sigma summation sum",
    ),
    "insights": (0xF092, "data analytics analysis analyse analyze metrics measure measurement dataset datasets"),
    "bar_chart": (0xE26B, "chart charts graph graphs plot plots bar histogram distribution distributions survey"),
    "trending_up": (
        0xE8E5,
        "growth grow growing increase increasing rise rising trend trends improve improvement progress gain gains वृद्धि",
    ),
    "trending_down": (0xE8E3, "decline decrease decreasing drop fall falling loss losses shrink reduce reduction"),
    "code": (
        0xE86F,
        "code coding program programming programmer developer developers software source script "
        "scripts syntax snippet compile compiler python javascript java function_call api",
    ),
    "terminal": (0xEB8E, "terminal command commands shell console cli bash install installation installing"),
    "bug_report": (0xE868, "bug bugs debug debugging error errors issue issues fix fixes crash crashes defect"),
    "build": (0xE869, "build builds tool tools repair maintain maintenance setup configure configuration"),
    "settings": (0xE8B8, "settings setting option options preferences config parameterize tune tuning"),
    "memory": (0xE322, "hardware chip processor cpu gpu computer computers machine machines"),
    "storage": (0xE1DB, "database databases storage store stored sql table tables record records"),
    "cloud": (0xE2BD, "cloud clouds server servers hosting deploy deployment online internet"),
    "dns": (0xE875, "network networking dns infrastructure cluster"),
    "public": (0xE80B, "world global globe international earth planet web website websites दुनिया دنیا"),
    "language": (
        0xE894,
        "language languages translate translation multilingual localization locale hindi urdu english भाषा زبان",
    ),
    "translate": (0xE8E2, "translator translated"),
    "link": (0xE157, "link links url urls hyperlink reference references connect connection"),
    "http": (0xE902, "http https protocol request requests response"),
    "lock": (
        0xE897,
        "security secure privacy private password passwords encryption encrypt lock locked safety safe सुरक्षा",
    ),
    "shield": (0xE9E0, "protect protection defense defend guard risk risks threat threats vulnerability"),
    "verified_user": (0xE8E8, "trust trusted verify verified verification authentic authentication"),
    "gavel": (
        0xE90E,
        "law laws legal rule rules regulation court justice policy policies conduct compliance नियम قانون",
    ),
    "balance": (0xEAF6, "fair fairness equality equal balance tradeoff ethics ethical"),
    "groups": (
        0xF233,
        "people team teams community communities group groups collaborate collaboration together "
        "society members member contributors contributor समुदाय کمیونٹی diversity diverse inclusion "
        "inclusive inclusivity representation underrepresented",
    ),
    "person": (0xE7FD, "person individual user users author writer human someone"),
    "face": (0xE87C, "face faces identity character"),
    "handshake": (0xEBCB, "agreement partner partnership deal welcome cooperation respect respectful"),
    "volunteer_activism": (
        0xEA70,
        "help helping support supporting care caring charity volunteer volunteers donate donation kindness",
    ),
    "forum": (
        0xE0BF,
        "discussion discuss discussions conversation conversations chat comment comments feedback "
        "talk dialogue question questions बातचीत",
    ),
    "question_mark": (0xEB8B, "why what how unknown puzzle mystery"),
    "campaign": (0xEF49, "announce announcement announcements news release releases launch marketing"),
    "celebration": (0xEA65, "celebrate celebration party congratulations anniversary success achievement award"),
    "emoji_events": (0xEA23, "win winner winning trophy prize competition champion best goal goals"),
    "flag": (0xE153, "milestone milestones mission objective objectives target targets finish"),
    "rocket_launch": (0xEB9B, "start startup begin beginning fast rocket quick quickly speed"),
    "speed": (0xE9E4, "performance faster speedy efficient efficiency latency optimize optimization benchmark"),
    "schedule": (0xE8B5, "time timing clock hour hours minute minutes schedule deadline duration समय وقت"),
    "event": (0xE878, "date dates calendar day days week weeks month months year years daily weekly annual"),
    "history": (0xE889, "history historical past old ancient origin origins legacy century tradition इतिहास تاریخ"),
    "update": (0xE923, "update updates upgrade version versions changelog latest new"),
    "sync": (0xE627, "cycle cycles loop loops repeat repeating iterate iteration recurring circular feedback_loop"),
    "autorenew": (0xE863, "renew renewal refresh restart recycle recycling reuse"),
    "swap_horiz": (0xE8D4, "compare comparison versus vs difference differences alternative alternatives exchange"),
    "account_tree": (
        0xE97A,
        "tree hierarchy structure organization organisation architecture diagram diagrams system systems",
    ),
    "hub": (0xE9F4, "hub nodes node connections connected distributed"),
    "route": (0xEACD, "path route journey roadmap process processes workflow pipeline steps step"),
    "checklist": (0xE6B1, "checklist list lists todo task tasks items requirements"),
    "task_alt": (0xE2E6, "done complete completed check checked correct valid accomplish"),
    "warning": (0xE002, "warning caution danger dangerous problem problems avoid mistake mistakes pitfall"),
    "block": (0xE14B, "forbidden prohibited ban banned never disallowed harassment abuse reject"),
    "report": (0xE160, "report reporting complaint complaints violation violations incident"),
    "mail": (0xE158, "email mail emails message messages letter newsletter inbox contact"),
    "phone_iphone": (0xE325, "phone mobile smartphone app apps"),
    "photo_camera": (0xE412, "photo photos photography camera cameras lens lenses picture pictures image images shot"),
    "camera": (0xE3AF, "aperture exposure shutter focal hyperfocal depth_of_field"),
    "visibility": (0xE8F4, "see seeing view viewing vision visible sight watch look eye eyes"),
    "image": (0xE3F4, "illustration drawing figure figures visual visuals"),
    "palette": (0xE40A, "design designer art artist paint color colour colors colours style"),
    "brush": (0xE3AE, "draw sketch painting"),
    "music_note": (0xE405, "music song songs sound audio listen melody"),
    "mic": (0xE029, "voice speak speaking speech narration podcast"),
    "movie": (0xE02C, "video videos film films movie movies cinema"),
    "local_cafe": (0xE541, "coffee cafe tea chai drink drinks espresso brew brewing cup beans"),
    "restaurant": (0xE56C, "food eat eating meal meals cooking cook recipe recipes kitchen restaurant"),
    "local_florist": (0xE545, "plant plants flower flowers garden gardening nature"),
    "eco": (0xEA35, "environment environmental green sustainability sustainable climate ecology"),
    "water_drop": (0xE798, "water rain liquid ocean sea river"),
    "wb_sunny": (0xE430, "sun sunny summer weather light energy solar"),
    "bolt": (0xEA0B, "power electricity electric charge battery lightning"),
    "favorite": (0xE87D, "love heart health healthy wellbeing emotion emotions passion"),
    "medical_services": (
        0xF109,
        "medicine medical doctor doctors hospital health_care disease treatment vaccine vaccines",
    ),
    "fitness_center": (0xEB43, "exercise fitness sport sports training workout gym"),
    "home": (0xE88A, "home house housing family families"),
    "work": (0xE8F9, "work job jobs career business office employee employees employer professional"),
    "business_center": (0xEB3F, "company companies corporate enterprise industry organizations"),
    "payments": (0xEF63, "money payment payments pay price prices cost costs dollar dollars cash sale sales buy sell"),
    "shopping_cart": (0xE8CC, "shop shopping purchase order orders customer customers product products"),
    "sell": (0xF05B, "sticker stickers merchandise discount offer"),
    "local_shipping": (0xE558, "shipping delivery deliver transport logistics truck"),
    "directions_car": (0xE531, "car cars drive driving traffic vehicle vehicles road roads"),
    "flight": (0xE539, "travel flight flights plane airplane airport trip"),
    "map": (0xE55B, "map maps location locations place places geography navigate navigation"),
    "search": (0xE8B6, "search find finding discover discovery explore exploration lookup query"),
    "filter_alt": (0xEF4F, "filter filters select selection choose choice criteria"),
    "tune": (0xE429, "adjust adjustment control controls parameter_tuning calibrate"),
    "sort": (0xE164, "sort sorted sorting ordering rank ranking"),
    "category": (0xE574, "category categories type types kind kinds classify classification taxonomy"),
    "label": (0xE892, "tag tags label labels name names naming keyword keywords"),
    "description": (0xE873, "document documents file files text texts note notes writing written paper article essay"),
    "edit_note": (0xE745, "edit editing draft drafting write writes journal diary notebook"),
    "article": (0xEF42, "blog post posts journalism content publish published publishing"),
    "folder": (0xE2C7, "folder folders directory directories project projects organize"),
    "content_copy": (0xE14D, "copy duplicate clone template templates"),
    "download": (0xF090, "download downloads downloading save import"),
    "upload": (0xF09B, "upload uploads share sharing export"),
    "share": (0xE80D, "shared social spread distribute"),
    "visibility_off": (0xE8F5, "hidden hide invisible privacy_mode"),
    "key": (0xE73C, "key keys access token tokens credential credentials"),
    "account_circle": (0xE853, "account accounts profile login signin"),
    "smart_toy": (
        0xF06C,
        "robot robots ai artificial intelligence bot bots automation automate automated model models",
    ),
    "model_training": (0xF0CF, "train trained machine_learning learning_rate neural neural_network deep"),
    "auto_graph": (0xE4FB, "regression prediction predict predictions forecast forecasting fit fitting"),
    "scatter_plot": (0xE268, "scatter points samples sample noise noisy synthetic"),
    "dataset": (0xF8EE, "matrix matrices tensor tensors vector vectors array arrays"),
    "table_chart": (0xE265, "spreadsheet spreadsheets column columns row rows tabular cell_table"),
    "percent": (0xEB58, "percent percentage percentages ratio ratios rate rates proportion fraction"),
    "stacked_line_chart": (0xF22B, "stat stats trendline"),
    "compare_arrows": (0xE915, "tradeoffs contrast versus_compare"),
    "thumb_up": (0xE8DC, "pro pros advantage advantages benefit benefits good positive like recommend"),
    "thumb_down": (0xE8DB, "con cons disadvantage disadvantages drawback drawbacks bad negative dislike"),
    "rule": (0xF1C2, "guideline guidelines standard standards principle principles best_practices"),
    "verified": (0xEF76, "quality official approved approval certified certificate"),
    "workspace_premium": (0xE7AF, "premium badge badges certification excellence"),
    "extension": (0xE87B, "plugin plugins extension extensions module modules component components addon"),
    "integration_instructions": (0xEF54, "integrate integration embed markup html css"),
    "web": (0xE051, "browser browsers webpage frontend interface ui"),
    "devices": (0xE1B1, "device devices platform platforms cross-platform desktop laptop tablet"),
    "dashboard": (0xE871, "dashboard overview summary panel admin administration"),
    "admin_panel_settings": (
        0xEF3D,
        "administrator administrators admin_panel moderator moderators permission permissions",
    ),
    "support_agent": (0xF0E2, "helpdesk service assistance assistant"),
    "contact_support": (0xE94C, "faq answers ask"),
    "record_voice_over": (0xE91F, "narrator speaker presenter presentation"),
    "slideshow": (0xE41B, "slides slide presentations deck"),
    "timeline": (0xE922, "timeline chronology sequence stages phase phases evolution"),
    "stairs": (0xF1A9, "level levels ladder progression advance advanced beginner intermediate"),
    "trip_origin": (0xE57B, "center core central essence"),
    "zoom_in": (0xE8FF, "detail details zoom closer inspect inspection examine"),
    "architecture": (0xEA3B, "architect blueprint plan planning planned framework"),
    "construction": (0xEA3C, "construct construction building builder under_construction"),
    "factory": (0xEBBC, "manufacturing production produce factory factories"),
    "rocket": (0xEBA5, "space astronomy nasa satellite orbit"),
    "pets": (0xE91D, "animal animals pet pets dog dogs cat cats wildlife"),
    "spa": (0xEB4C, "calm relax relaxation mindfulness meditation peace"),
    "self_improvement": (0xEA78, "habit habits self discipline practice practise growth_mindset"),
    "sentiment_satisfied": (0xE813, "happy happiness joy fun smile enjoy enjoyment"),
    "sentiment_dissatisfied": (0xE811, "sad sadness unhappy frustration frustrated"),
    "accessibility": (0xE84E, "accessibility accessible disability disabled"),
    "gesture": (0xE155, "gesture hand hands touch"),
    "spellcheck": (0xE8CE, "spelling grammar typo typos proofread"),
    "format_quote": (0xE244, "quote quotes quotation saying aphorism zen poem poetry"),
    "sync_alt": (0xEA18, "convert conversion transform transformation migrate migration"),
    "merge": (0xEB98, "merge merging combine combination pull_request branch branches git"),
    "commit": (0xEAF5, "commit commits version_control repository repositories github"),
    "open_in_new": (0xE89E, "external open open-source opensource"),
    "vpn_key": (0xE0DA, "license licence licenses licensing copyright"),
    "inventory_2": (
        0xE1A1,
        "package packages packaging archive archives bundle dependency dependencies library_package",
    ),
    "bookmark": (0xE866, "bookmark bookmarks favorite favourites save_for_later"),
}
WEIGHTS = (("heading", 3), ("bullets", 2), ("narration", 1))


@dataclass(frozen=True)
class Icon:
    name: str
    codepoint: int
    score: int  # weighted keyword hits in the scene

    @property
    def glyph(self) -> str:
        return chr(self.codepoint)


@lru_cache(maxsize=1)
def keyword_index() -> dict[str, str]:
    """Each keyword (or phrase, words joined by a space) to its icon's name."""
    return {word.replace("_", " "): name for name, (_, words) in ICONS.items() for word in words.split()}


def words_of(text: str) -> list[str]:
    """Lower-case words with the punctuation and symbols around them removed, in any script."""
    cleaned = "".join(" " if unicodedata.category(c)[0] in "PSZ" and c not in "-'" else c for c in text.lower())
    return [w.strip("-'") for w in cleaned.split() if w.strip("-'")]


def _lookup(word: str, index: dict[str, str]) -> str | None:
    """The icon of a word, or of its singular / stem when only that is listed."""
    if word in index:
        return index[word]
    for suffix in ("s", "es", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3 and word[: -len(suffix)] in index:
            return index[word[: -len(suffix)]]
    return None


def icon_scores(text: str) -> Counter[str]:
    """How many of the text's words (and two-word phrases) call for each icon."""
    index, words, scores = keyword_index(), words_of(text), Counter[str]()
    skip = False
    for first, second in zip(words, [*words[1:], ""]):
        if skip:
            skip = False
            continue
        if second and (name := index.get(f"{first} {second}")):
            scores[name] += 1
            skip = True
        elif name := _lookup(first, index):
            scores[name] += 1
    return scores


def icon_for_text(text: str) -> Icon | None:
    return _best(icon_scores(text))


def icon_for_scene(scene: Scene) -> Icon | None:
    """The icon most of the scene's words call for (heading words count most), or None if none does."""
    total = Counter[str]()
    parts = {"heading": scene.heading, "bullets": " ".join(scene.bullets), "narration": scene.narration}
    for part, weight in WEIGHTS:
        for name, hits in icon_scores(parts[part]).items():
            total[name] += hits * weight
    return _best(total)


def _best(scores: Counter[str]) -> Icon | None:
    if not scores:
        return None
    order = {name: i for i, name in enumerate(ICONS)}  # ties: the icon listed first, the more general one
    name = min(scores, key=lambda n: (-scores[n], order[n]))
    return Icon(name, ICONS[name][0], scores[name])

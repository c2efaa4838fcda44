"""Query-level judgements made before ranking: crisis, the doctor's situation (cues) and the needs.

Everything here is rules over the text (regular expressions in tables), so each judgement is
explainable on a result card and testable case by case.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# ---------------------------------------------------------------- normalising


_CONTROL = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n\r")
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def clean(text: str, limit: int) -> tuple[str, bool]:
    """NFC text without control or invisible characters, whitespace collapsed, cut to ``limit``.

    Returns the text and whether it was cut, so the caller can say so.
    """
    text = unicodedata.normalize("NFC", text).translate(_CONTROL).replace("\x7f", " ")
    text = " ".join(_INVISIBLE.sub("", text).split())
    if len(text) <= limit:
        return text, False
    cut = text[:limit]
    return (cut.rsplit(" ", 1)[0] if " " in cut[limit // 2 :] else cut), True


#: Jargon and slang a doctor types, with the words the corpus uses; appended to the query so
#: both the embedding and BM25 see them. Keys are matched as whole words, case-insensitively.
EXPANSIONS: dict[str, str] = {
    r"ltft": "less than full time training, part-time flexible working",
    r"ftp|f2p": "fitness to practise",
    r"mpts": "Medical Practitioners Tribunal Service hearing",
    r"arcp": "annual review of competence progression in training",
    r"tpd": "training programme director",
    r"es": "educational supervisor",
    r"cs": "clinical supervisor",
    r"oh|ohs": "occupational health",
    r"ftsu|ftsug": "Freedom to Speak Up Guardian, raising concerns",
    r"gosw": "Guardian of safe working hours",
    r"mdo|mdu|mps|mddus": "medical defence organisation, medico-legal support",
    r"sas": "specialty and specialist doctor",
    r"mhps": "Maintaining High Professional Standards disciplinary investigation",
    r"pas?": "programmed activities in a job plan",
    r"a ?& ?e|ed|em": "emergency medicine, emergency department",
    r"icu|itu|hdu": "intensive care medicine",
    r"o ?& ?g|obs (?:and|&) gynae|obs ?gyn(?:ae)?": "obstetrics and gynaecology",
    r"paeds|peds": "paediatrics, paediatrician",
    r"psych": "psychiatry",
    r"gp": "general practitioner",
    r"gps": "general practitioners",
    r"reg": "registrar",
    r"f1|fy1|f2|fy2": "foundation doctor in training",
    r"(?:st|ct|imt|acct|gpst|str)\d": "specialty trainee doctor in training",
    r"sho": "junior doctor",
    r"mrcp|mrcs|frca|mrcog|mrcpch|mrcpsych|mrcgp|fcem|frcem": "royal college membership exam",
    r"cct": "certificate of completion of training",
    r"oop[etrc]?": "time out of training",
    r"aa": "Alcoholics Anonymous 12-step recovery",
    r"benzos?": "benzodiazepine drug dependence",
    r"coke": "cocaine",
    r"on the sauce|boozing|booze|hammered|pissed every night": "drinking too much alcohol",
    r"skint|broke|brassic": "no money, financial hardship",
    r"knackered|shattered|running on empty": "exhausted and fatigued",
    r"fed up|gutted": "low mood",
    r"betting|bookies|slots|casino": "gambling",
    r"bailiffs?": "debt",
    r"whistle-?blow(?:ing|er)?": "raising concerns, speaking up",
    r"med student|medic student": "medical student",
    r"lgbtq?\+?|queer|gay|lesbian|bisexual|trans|transgender|non-binary": "LGBT",
}
_EXPANSION_PATTERNS = [(re.compile(rf"(?<![\w&])(?:{key})(?![\w&])", re.I), value) for key, value in EXPANSIONS.items()]


def expand(text: str) -> str:
    """The text plus the plain words for any jargon or slang it uses."""
    extra = [value for pattern, value in _EXPANSION_PATTERNS if pattern.search(text)]
    return f"{text} ({'; '.join(dict.fromkeys(extra))})" if extra else text


# ---------------------------------------------------------------- crisis


_NEGATION = r"(?:not|never|no|n't|nothing like|without)\b[\w\s,']{0,20}"
#: Statements of intent or plan to die or self-harm, direct and indirect.
_CRISIS = re.compile(
    r"\b(?:"
    r"(?:kill|hang|hurt|harm|cut) (?:my ?self|myself)"
    r"|suicid(?:e|al)"
    r"|(?:end|ending|take|taking|finish) (?:my|my own) life"
    r"|end(?:ing)? it(?: all)?\b(?! (?:with|for) (?:him|her|them|my partner|the))"
    r"|(?:want|wanna|going|wish|ready|plan(?:ning)?) (?:to )?(?:die|be dead)"
    r"|better off (?:dead|without me|if i (?:was|were)n'?t)"
    r"|(?:no|nothing) (?:reason|point) (?:to|in) (?:live|living|going on|carrying on)"
    r"|(?:can't|cannot|cant) (?:go on|carry on) (?:any ?more|like this)"
    r"|(?:don't|do not|dont) want to (?:be here|be alive|live|wake up)"
    r"|how many (?:tablets|pills)[\w\s]{0,30}(?:take|kill|enough)"
    r"|(?:take|taking|stockpil\w*|saving up)[\w\s]{0,20}(?:overdose|tablets|pills)[\w\s]{0,15}(?:end|die|enough)"
    r"|(?:written|writing|wrote) (?:a |my )?(?:suicide |goodbye )?(?:note|letter)s? (?:to|for) (?:my|everyone)"
    r"|(?:jump|jumping) (?:off|in front)"
    r"|self[- ]harm(?:ing)?"
    r"|overdose (?:on purpose|to end)"
    r")",
    re.I,
)
#: Clinical or third-person context: the risk is a patient's or a topic, not the writer's.
_CLINICAL = re.compile(
    r"\b(?:patient'?s?|risk assessment|assessment|training|teaching|course|audit|protocol|guideline|"
    r"ward round|clerk(?:ed|ing)|referral for|presented with|admitted with|liaison|on call for|"
    r"postvention|bereaved by|lost a colleague to|colleague who died by)\b",
    re.I,
)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|ive|i'd|me|my|myself)\b", re.I)
_OTHER_PERSON = re.compile(r"\b(?:he|she|they|his|her|their|patient|someone)\b", re.I)


#: What a person in crisis needs from the catalogue, added to the text that is searched.
CRISIS_NEED = "suicidal thoughts, mental health crisis, need urgent confidential support and someone to talk to now"

#: Text written from a patient's side, or a clinical dosing question: the catalogue supports
#: doctors, so such an answer must not look confident whatever words it shares with a record.
_OUT_OF_SCOPE = re.compile(
    r"\b(?:(?:i'?m|i am|as) a patient(?! safety| experience| liaison)|doses?|dosage|dosing)\b", re.I
)


def is_out_of_scope(text: str) -> bool:
    """True when the text is plainly not a doctor asking for support for themselves or a colleague."""
    return bool(_OUT_OF_SCOPE.search(text))


def is_crisis(text: str) -> bool:
    """True when the writer signals an immediate risk to their own life (checked before ranking).

    Clinical context ("my patient took an overdose", "suicide risk assessment training") and
    negation ("not suicidal, just exhausted") do not fire; a bare first-person statement does.
    """
    for sentence in re.split(r"(?<=[.!?;])\s+|\n+", text):
        for match in _CRISIS.finditer(sentence):
            before = sentence[max(0, match.start() - 40) : match.start()]
            if re.search(_NEGATION + r"$", before, re.I):
                continue
            if _CLINICAL.search(sentence) and not re.search(r"\bmy ?self\b|\bmy (?:own )?life\b", sentence, re.I):
                continue
            if _FIRST_PERSON.search(sentence) or not _OTHER_PERSON.search(sentence):
                return True
    return False


# ---------------------------------------------------------------- situation cues


@dataclass(frozen=True)
class Cue:
    """One thing the text says about the writer's situation, and which corpus values it points to."""

    label: str
    nations: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()
    weight: float = 1.0  # how much eligibility it proves: "in training" covers most doctors, "a GP" few


_NATION_CUES: tuple[tuple[str, str, str], ...] = (
    ("Northern Ireland", "in Northern Ireland", r"northern ireland|belfast|derry|londonderry|nimdta|\bni\b"),
    ("Ireland", "in Ireland", r"(?<!northern )ireland|(?<!northern )irish|dublin|cork|galway|limerick|\bhse\b|rcpi"),
    ("Wales", "in Wales", r"wales|welsh|cardiff|swansea|newport|wrexham|bangor|aberystwyth|heiw|cymru"),
    ("Scotland", "in Scotland", r"scotland|scottish|glasgow|edinburgh|aberdeen|dundee|inverness|\bnes\b"),
    (
        "England",
        "in England",
        r"england|english trust|london|manchester|birmingham|leeds|liverpool|sheffield|bristol|newcastle|nottingham|"
        r"leicester|oxford|cambridge|southampton|brighton|\bnhse\b",
    ),
)
_ROLE_CUES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    (
        "a GP",
        ("GPs",),
        r"\bgps?\b|general practi\w+|gp partner|partner at (?:the|my|our) (?:surgery|practice)|senior partner",
    ),
    ("a surgeon", ("surgeons", "surgical teams"), r"surg(?:eon|ical|ery)\b|mrcs|orthopaedic|ortho\b|urolog|vascular"),
    ("an anaesthetist", ("anaesthetists",), r"anaesth\w*|anesth\w*|frca"),
    (
        "in emergency medicine",
        ("emergency medicine doctors",),
        r"\ba ?& ?e\b|\bed\b|emergency (?:medicine|department)|\bem\b|rcem",
    ),
    ("in intensive care", ("intensive care doctors",), r"\bicu\b|\bitu\b|intensive care|critical care"),
    (
        "in obstetrics and gynaecology",
        ("obstetricians and gynaecologists",),
        r"\bo ?& ?g\b|obs (?:and|&) gynae|obstetric\w*|gynae\w*|midwi\w*|labour ward",
    ),
    ("in paediatrics", ("paediatricians",), r"paed\w*|pediatric\w*|child health|neonat\w*"),
    ("in psychiatry", ("psychiatrists",), r"psychiatr\w*|\bpsych\b|rcpsych"),
    ("a physician", ("physicians",), r"physician|mrcp|\bimt\b|medical registrar|general medicine"),
    (
        "in pharmaceutical medicine",
        ("pharmaceutical physicians",),
        r"pharmaceutical|pharma\b|clinical trials?|trial data",
    ),
    (
        "in training",
        ("doctors in training", "foundation doctors"),
        r"trainee|training|\bf[y]?[12]\b|foundation|\b(?:st|ct|imt|gpst|str)\d|registrar|\breg\b|\bsho\b|junior doctor|resident doctor|arcp",
    ),
    (
        "a medical student",
        ("medical students",),
        r"medical student|med student|medical school|\bmedic\b|final year|student",
    ),
    ("retired", ("retired doctors",), r"retir\w*|pension"),
    ("a dentist", ("dentists",), r"dentist|dental"),
    (
        "LGBT",
        ("LGBT doctors",),
        r"lgbt\w*|\bgay\b|lesbian|bisexual|\btrans\b|transgender|non-binary|queer|misgender\w*",
    ),
    (
        "a family member",
        ("families",),
        r"my (?:husband|wife|partner|son|daughter|dad|father|mum|mother) (?:is|was) a (?:doctor|gp|consultant|surgeon)|widow\w*|"
        r"(?:husband|wife|partner) (?:was|is) a (?:hospital )?(?:doctor|consultant|gp|surgeon)",
    ),
    (
        "an employer",
        ("employers",),
        r"our (?:\w+ )?(?:trust|department|hospital|staff|doctors|consultants|team|practice)|as an employer|medical director and|"
        r"frameworks? for employers|support (?:our|my) staff|as a (?:department|team|trust|organisation)",
    ),
    # Someone asking for a colleague: no resource is closed to them, but the answer should say so.
    (
        "asking about a colleague",
        (),
        r"(?:my|a) colleague|(?:my|a) friend (?:at work|who is a doctor)|someone on my team",
    ),
)
_CUE_TABLE = [(Cue(label, nations=(nation,)), re.compile(pattern, re.I)) for nation, label, pattern in _NATION_CUES] + [
    (Cue(label, audience=audience, weight=0.5 if label == "in training" else 1.0), re.compile(pattern, re.I))
    for label, audience, pattern in _ROLE_CUES
]


def situation(text: str) -> tuple[Cue, ...]:
    """The nation, role, specialty and who-is-asking cues in ``text``, in table order."""
    found = [cue for cue, pattern in _CUE_TABLE if pattern.search(text)]
    if any(c.nations == ("Northern Ireland",) for c in found):
        found = [c for c in found if c.nations != ("Ireland",)]
    return tuple(found)


def cue_nations(cues: Iterable[Cue]) -> set[str]:
    return {nation for cue in cues for nation in cue.nations}


def cue_audience(cues: Iterable[Cue]) -> set[str]:
    return {group for cue in cues for group in cue.audience}


# ---------------------------------------------------------------- needs


#: Words that show each kind of need (``signpost.types.TOPICS``), matched from the start of a word.
_NEED_WORDS: dict[str, str] = {
    "mental-health": (
        r"stress|anxi|anxious|depress|low mood|burn(?:t|ed)? ?out|burnout|exhaust|can'?t cope|cannot cope|not coping|"
        r"overwhelm|panic|ptsd|trauma|flashback|nightmare|grief|griev|bereave|lonel|isolat|mental (?:health|ill)|"
        r"bipolar|psychos|eating disorder|suicid|self[- ]harm|crying|numb|empty|dread|insomnia|can'?t sleep|"
        r"morale|wellbeing|well-being|counsell|therap|emotional|haunt|going over it|guilt|breakdown|tearful|"
        r"hopeless|worthless|mental|struggling to cope|end (?:my life|it all)|want to die|fed up|knackered|"
        r"imposter|impostor|like a fraud|not good enough|failure|lost my confidence|falling apart|"
        r"can'?t switch off|on edge|miserable|sad\b|upset"
    ),
    "addiction": (
        r"alcohol|drink|drunk|booz|on the sauce|addict|drugs?\b|cocaine|coke\b|opioid|opiate|codeine|morphine|benzo|"
        r"diazepam|fentanyl|ketamine|cannabis|weed\b|substance|dependen|\baa\b|sober|relapse|rehab|detox|"
        r"hungover|hangover|self[- ]medicat|ward stock|controlled drugs|the bottle|wine|vodka|beers?\b|pints\b|"
        r"spirits\b|\bgin\b|pills to (?:sleep|cope)|high\b|using again"
    ),
    "gambling": r"gambl|betting|\bbets?\b|bookies|casino|slots\b|poker|online bet|sports bet",
    "money": (
        r"money|debt|\brent\b|mortgage|\bbills?\b|financ|hardship|skint|broke\b|can'?t afford|cannot afford|bailiff|"
        r"\bgrants?\b|sick pay|loan|arrears|bankrupt|poverty|income|evict|repossess|struggling to pay|pay the bills"
    ),
    "regulatory": (
        r"gmc|fitness to practi|\bftp\b|mpts|tribunal|hearing|referr(?:al|ed) to the gmc|investigat|complain|complaint|"
        r"coroner|inquest|disciplinar|suspend|suspension|excluded from work|exclusion|mhps|lawyer|legal|solicitor|"
        r"\bsued\b|negligence|struck off|erased|\blicen[cs]e|medico-legal|statement for|serious incident|\bsi\b"
    ),
    "workplace": (
        r"rota|hours|night shifts?|\bnights\b|breaks?\b|exception report|understaff|staffing|my pay\b|pay (?:dispute|cut|rise|scale|band)|"
        r"underpaid|not (?:been )?paid|unpaid|"
        r"salary|contract|job plan|\bpas?\b|locum|overtime|annual leave|study leave|employment|\bhr\b|grievance|"
        r"redundan|working conditions|workload|on-?calls?|extra hours|staying late|after my shift|rights at work|my rights"
    ),
    "bullying": (
        r"bull(?:y|ied|ies|ying)|undermin|humiliat|harass|belittl|toxic|intimidat|shouted at|picked on|"
        r"sexual misconduct|inappropriate behaviour|discriminat|racis|racial|sexis|misogyn|homophob|"
        r"transphob|misgender|freezing me out|frozen out|excluded by|victimis|scream|shout|yell|abusive|rude to me|"
        r"hostile|demean|threaten|sexual (?:comments|harassment|assault)|grop|inappropriate comments|touched me"
    ),
    "concerns": (
        r"whistle|raise (?:a )?concerns?|raising concerns|raised concerns|speak(?:ing)? up|patient safety|unsafe practice|"
        r"cover[- ]?up|report (?:a|my) colleague|who to tell|(?:affair|relationship) with a patient|boundar|"
        r"misconduct|fraud(?:ulent)? (?:claims|data)|worried about a colleague"
    ),
    "training": (
        r"arcp|outcome [1-6]|training|trainee|exams?\b|mrcp|mrcs|frca|mrcog|mrcgp|portfolio|progression|"
        r"supervisor|rotation|ltft|less than full time|part[- ]time|time out of training|\boop|deanery|\btpd\b|"
        r"extension to training|return to training|foundation programme|teaching"
    ),
    "career": (
        r"career|quit medicine|leave medicine|leaving medicine|switch(?:ing)? (?:to|from|specialt)|change specialt|"
        r"retir|consultant post|promotion|mentor|cpd|portfolio career|dropping sessions|next step|stay involved|"
        r"leav(?:e|ing) the nhs|work(?:ing)? abroad|emigrat|career break"
    ),
    "health": (
        r"pregnan|maternity|physical health|sick leave|off sick|signed off|return(?:ing)? to work|phased return|"
        r"cancer|chronic illness|injur|disab|occupational health|\boh\b|fit for work|fitness for work|adjustments|"
        r"long covid|diagnos|surgery for my|operation|back pain|health condition|health problems?"
    ),
    "identity": r"lgbt|\bgay\b|lesbian|bisexual|\btrans\b|transgender|non-binary|queer|misgender|coming out|homophob|transphob",
    "employer": (
        r"our (?:\w+ )?(?:trust|department|hospital|staff|doctors|consultants|organisation|practice)|as an employer|"
        r"frameworks? for employers|support (?:our|my) staff|staff wellbeing strategy|retain (?:our|staff)|retention|"
        r"as a (?:department|team|trust|practice|organisation)"
    ),
    "ethics": r"ethic|dilemma|trial data|pharma|conflict of interest|industry",
}
_NEED_PATTERNS = {topic: re.compile(rf"(?<![\w])(?:{words})", re.I) for topic, words in _NEED_WORDS.items()}


def needs(text: str) -> tuple[str, ...]:
    """The kinds of need the text expresses, in the order they first appear."""
    found = [(m.start(), topic) for topic, pattern in _NEED_PATTERNS.items() if (m := pattern.search(text))]
    return tuple(topic for _, topic in sorted(found))


# ---------------------------------------------------------------- spelling


_WORD = re.compile(r"[a-z]{5,}")


class Speller:
    """Adds the likely intended word for a misspelt one ("anxeity" → "anxiety").

    ``domain`` words (the corpus's, and the jargon this module expands) win over ``general`` ones
    (the model tokenizer's whole words) at equal distance; a correction is appended, never
    substituted, so an unknown but correct word costs nothing.
    """

    def __init__(self, domain: Iterable[str], general: Iterable[str] = ()) -> None:
        self._tiers = [_by_initial(words_of(domain) | _JARGON), _by_initial(words_of(general))]
        self._known = frozenset(w for tier in self._tiers for group in tier.values() for w in group)

    def corrections(self, text: str) -> list[str]:
        """Known words very close to the unknown words of ``text``."""
        import difflib

        found = []
        for word in dict.fromkeys(_WORD.findall(text.lower())):
            if word in self._known:
                continue
            for tier in self._tiers:
                match = difflib.get_close_matches(word, tier.get(word[0], []), n=1, cutoff=0.8)
                if match:
                    found.append(match[0])
                    break
        return found


def _by_initial(words: set[str]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for word in sorted(words):
        grouped.setdefault(word[0], []).append(word)
    return grouped


def words_of(texts: Iterable[str]) -> set[str]:
    """Lower-case words of five letters or more, the ones worth spell-checking against."""
    return {w for text in texts for w in _WORD.findall(text.lower())}


_JARGON = words_of(list(EXPANSIONS) + list(EXPANSIONS.values()))

"""The german_mfa phone set, and how espeak-ng's German phones map onto it.

Both aligners label phones with german_mfa symbols (as Montreal Forced Aligner's
``german_mfa`` dictionary and acoustic model do), so tables and charts compare like with like.
"""

from __future__ import annotations

GERMAN_MFA_PHONES = frozenset(
    "a aj aw aː b c cʰ d eː f h iː j k kʰ l l̩ m m̩ n n̩ oː p pf pʰ s t ts tʃ tʰ uː v x yː z ç øː ŋ "
    "œ ɐ ɔ ɔʏ ə ɛ ɟ ɡ ɪ ɲ ʁ ʃ ʊ ʏ".split())

#: espeak-ng (German voice) IPA phone -> german_mfa phone. espeak's tap/trill r is german_mfa's ʁ;
#: its diphthongs are spelt differently; long ɛː has no german_mfa phone and becomes eː.
ESPEAK_TO_MFA = {
    "ɾ": "ʁ", "r": "ʁ", "ʀ": "ʁ", "R": "ʁ",
    "g": "ɡ",
    "aɪ": "aj", "aɪ̯": "aj", "ai": "aj", "aʊ": "aw", "aʊ̯": "aw", "au": "aw",
    "ɔø": "ɔʏ", "ɔɪ": "ɔʏ", "ɔʏ̯": "ɔʏ", "ɔy": "ɔʏ",
    "ɛː": "eː", "ɑː": "aː", "ɑ": "a", "ɜ": "ɐ", "ɐ̯": "ɐ", "ɚ": "ɐ", "əɾ": "ɐ",
    "e": "eː", "i": "iː", "o": "oː", "u": "uː", "y": "yː", "ø": "øː",
    "t͡s": "ts", "p͡f": "pf", "t͡ʃ": "tʃ", "d͡ʒ": "tʃ", "dʒ": "tʃ", "ʒ": "ʃ",
    "ʔ": "",  # glottal stop: german_mfa has none; it joins the following vowel
}

#: Phones whose closure espeak puts in the preceding segment (see espeak_render).
STOPS = frozenset("p b t d k ɡ pʰ tʰ kʰ c ɟ cʰ".split())


def to_german_mfa(phone: str) -> str:
    """The german_mfa symbol for an espeak-ng phone ('' for a pause); unknown symbols pass through."""
    phone = phone.strip().replace("ˈ", "").replace("ˌ", "")
    if phone in GERMAN_MFA_PHONES:
        return phone
    return ESPEAK_TO_MFA.get(phone, phone)

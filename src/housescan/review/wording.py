"""The words of a report: names of rooms and house types, counts, and how an answer reads (the same in
the web app, the shared page and the PDF)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from housescan.review.schemas import NOT_APPLICABLE, NOT_VISIBLE, Answer

# Boolean checklist items whose "yes" is a defect (a con), recognised by their id.
DEFECT_WORDS = ("damp", "crack", "mould", "mold", "leak", "damage", "rot", "rust", "pest", "stain", "asbestos")


ROOM_NAMES = {
    "bedroom": ("bedroom", "bedrooms"),
    "living_room": ("living room", "living rooms"),
    "kitchen": ("kitchen", "kitchens"),
    "bathroom": ("bathroom", "bathrooms"),
    "dining_room": ("dining room", "dining rooms"),
    "office": ("office", "offices"),
    "hallway": ("hallway", "hallways"),
    "laundry": ("laundry room", "laundry rooms"),
    "garage": ("garage", "garages"),
    "exterior": ("exterior view", "exterior views"),
    "other": ("room of undetermined type", "rooms of undetermined type"),
}


def _plain(text: str) -> str:
    """Lower case without accents, so a name matches however it was typed ("Küche", "KUCHE" -> "kuche",
    "Eßzimmer" -> "esszimmer"); a typographic apostrophe is a straight one ("salle d'eau")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\u2019", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


#: Words a person names a room with, by language -> the room's type: the vocabulary's own names and the
#: common words for them. People name rooms in their own language although the app speaks English. A word
#: that could name two types ("studio", Spanish "habitación", Italian "camera" or "sala") is left out.
ROOM_WORDS_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "en": {
        **{names[0]: room_type for room_type, names in ROOM_NAMES.items() if room_type != "other"},
        **{room_type.replace("_", " "): room_type for room_type in ROOM_NAMES if room_type != "other"},
        "bed room": "bedroom",
        "lounge": "living_room",
        "sitting room": "living_room",
        "family room": "living_room",
        "living": "living_room",
        "dining": "dining_room",
        "bath": "bathroom",
        "shower room": "bathroom",
        "en suite": "bathroom",
        "ensuite": "bathroom",
        "wc": "bathroom",
        "toilet": "bathroom",
        "hall": "hallway",
        "entrance hall": "hallway",
        "entrance": "hallway",
        "corridor": "hallway",
        "landing": "hallway",
        "study": "office",
        "home office": "office",
        "utility room": "laundry",
        "utility": "laundry",
        "outside": "exterior",
        "outdoors": "exterior",
        "front": "exterior",
        "front of house": "exterior",
        "back of house": "exterior",
        "rear of house": "exterior",
        "facade": "exterior",
        "garden": "exterior",
        "front garden": "exterior",
        "back garden": "exterior",
        "yard": "exterior",
        "front yard": "exterior",
        "backyard": "exterior",
        "back yard": "exterior",
        "street view": "exterior",
    },
    "de": {
        "küche": "kitchen",
        "kueche": "kitchen",
        "bad": "bathroom",
        "badezimmer": "bathroom",
        "duschbad": "bathroom",
        "gästebad": "bathroom",
        "gäste wc": "bathroom",
        "toilette": "bathroom",
        "schlafzimmer": "bedroom",
        "elternschlafzimmer": "bedroom",
        "kinderzimmer": "bedroom",
        "gästezimmer": "bedroom",
        "wohnzimmer": "living_room",
        "esszimmer": "dining_room",
        "essbereich": "dining_room",
        "arbeitszimmer": "office",
        "büro": "office",
        "flur": "hallway",
        "diele": "hallway",
        "gang": "hallway",
        "korridor": "hallway",
        "eingang": "hallway",
        "eingangsbereich": "hallway",
        "treppenhaus": "hallway",
        "waschküche": "laundry",
        "waschraum": "laundry",
        "hauswirtschaftsraum": "laundry",
        "garage": "garage",
        "außen": "exterior",
        "außenansicht": "exterior",
        "draußen": "exterior",
        "fassade": "exterior",
        "garten": "exterior",
        "vorgarten": "exterior",
    },
    "fr": {
        "cuisine": "kitchen",
        "salle de bain": "bathroom",
        "salle de bains": "bathroom",
        "salle d'eau": "bathroom",
        "toilettes": "bathroom",
        "chambre": "bedroom",
        "chambre à coucher": "bedroom",
        "chambre parentale": "bedroom",
        "chambre d'amis": "bedroom",
        "salon": "living_room",
        "séjour": "living_room",
        "salle de séjour": "living_room",
        "pièce à vivre": "living_room",
        "salle à manger": "dining_room",
        "bureau": "office",
        "couloir": "hallway",
        "entrée": "hallway",
        "dégagement": "hallway",
        "palier": "hallway",
        "buanderie": "laundry",
        "garage": "garage",
        "extérieur": "exterior",
        "dehors": "exterior",
        "façade": "exterior",
        "jardin": "exterior",
        "cour": "exterior",
    },
    "es": {
        "cocina": "kitchen",
        "baño": "bathroom",
        "cuarto de baño": "bathroom",
        "aseo": "bathroom",
        "dormitorio": "bedroom",
        "recámara": "bedroom",
        "alcoba": "bedroom",
        "salón": "living_room",
        "sala de estar": "living_room",
        "comedor": "dining_room",
        "despacho": "office",
        "oficina": "office",
        "pasillo": "hallway",
        "recibidor": "hallway",
        "entrada": "hallway",
        "vestíbulo": "hallway",
        "lavadero": "laundry",
        "lavandería": "laundry",
        "cuarto de lavado": "laundry",
        "garaje": "garage",
        "cochera": "garage",
        "exterior": "exterior",
        "fuera": "exterior",
        "afuera": "exterior",
        "fachada": "exterior",
        "jardín": "exterior",
        "patio": "exterior",
    },
    "it": {
        "cucina": "kitchen",
        "cucinotto": "kitchen",
        "bagno": "bathroom",
        "camera da letto": "bedroom",
        "camera matrimoniale": "bedroom",
        "cameretta": "bedroom",
        "soggiorno": "living_room",
        "salotto": "living_room",
        "sala da pranzo": "dining_room",
        "ufficio": "office",
        "corridoio": "hallway",
        "ingresso": "hallway",
        "disimpegno": "hallway",
        "lavanderia": "laundry",
        "garage": "garage",
        "autorimessa": "garage",
        "box auto": "garage",
        "esterno": "exterior",
        "fuori": "exterior",
        "facciata": "exterior",
        "giardino": "exterior",
        "cortile": "exterior",
    },
    "nl": {
        "keuken": "kitchen",
        "badkamer": "bathroom",
        "bad": "bathroom",
        "toilet": "bathroom",
        "slaapkamer": "bedroom",
        "kinderkamer": "bedroom",
        "logeerkamer": "bedroom",
        "woonkamer": "living_room",
        "zitkamer": "living_room",
        "huiskamer": "living_room",
        "eetkamer": "dining_room",
        "werkkamer": "office",
        "studeerkamer": "office",
        "kantoor": "office",
        "hal": "hallway",
        "gang": "hallway",
        "overloop": "hallway",
        "entree": "hallway",
        "bijkeuken": "laundry",
        "washok": "laundry",
        "wasruimte": "laundry",
        "garage": "garage",
        "buiten": "exterior",
        "buitenkant": "exterior",
        "gevel": "exterior",
        "voorgevel": "exterior",
        "tuin": "exterior",
        "voortuin": "exterior",
        "achtertuin": "exterior",
    },
}
#: Every language's words, plain (`_plain`), as `room_type_named` looks them up.
ROOM_WORDS: dict[str, str] = {
    _plain(word): room_type for words in ROOM_WORDS_BY_LANGUAGE.values() for word, room_type in words.items()
}
# Words that only say which one or how big ("Master bedroom", "Kleines Bad", "Chambre principale"),
# never part of a room word.
_QUALIFIERS = {
    _plain(word)
    for word in (
        *("the", "main", "master", "guest", "small", "big", "large", "second", "first", "upstairs", "downstairs"),
        *("kleines", "kleine", "großes", "große"),
        *("petit", "petite", "grand", "grande", "principal", "principale"),
        *("pequeño", "pequeña"),
        *("piccolo", "piccola"),
        *("grote",),
    )
}


def room_type_named(label: str | None) -> str | None:
    """The room type a person's name for a room says ("Kitchen", "Bedroom 2", "Master bedroom", "Küche",
    "Salle de bains"), or None when the name is not a word of the vocabulary ("Granny flat", "Kitchen/diner"
    are not read)."""
    if not label:
        return None
    words = [w for w in re.split(r"[\s#.,:;()-]+", _plain(label)) if w and not w.isdigit() and w not in _QUALIFIERS]
    return ROOM_WORDS.get(" ".join(words))


HOUSE_NAMES = {
    "apartment": "apartment",
    "villa": "villa",
    "townhouse": "townhouse",
    "studio": "studio",
    "penthouse": "penthouse",
    "detached_house": "detached house",
}
NUMBER_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def humanise(identifier: str) -> str:
    return identifier.replace("_", " ")


def article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def count_phrase(count: int, singular: str, plural: str | None = None) -> str:
    if count == 1:
        return article(singular)
    number = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
    return f"{number} {plural or singular + 's'}"


def join_words(parts: Sequence[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def is_defect(item_id: str) -> bool:
    return any(word in item_id for word in DEFECT_WORDS)


def room_name(label: str | None, room_type: str | None, ordinal: int) -> str:
    if label:
        return label
    if room_type and room_type != "other":
        return ROOM_NAMES.get(room_type, (humanise(room_type),))[0].capitalize()
    return f"Room {ordinal + 1}"


PERSON_ONLY_VALUES = {NOT_VISIBLE: "Not visible", NOT_APPLICABLE: "Not applicable"}


def display(answer: Answer) -> str:
    """The words for an answer's value, the same in the web app and in the PDF."""
    value = answer.value
    if value is None:
        return "Not determined" if answer.kind in ("room_type", "house_type") else "Not assessed"
    if isinstance(value, str) and value in PERSON_ONLY_VALUES:
        return PERSON_ONLY_VALUES[value]
    if answer.kind == "room_type":
        return ROOM_NAMES.get(str(value), (humanise(str(value)),))[0].capitalize()
    if answer.kind == "house_type":
        return HOUSE_NAMES.get(str(value), humanise(str(value))).capitalize()
    if isinstance(value, bool):
        if answer.kind == "product":
            return "Present" if value else "Not present"
        return "Yes" if value else "No"
    if isinstance(value, dict):
        if not value.get("exists"):
            return "Not present"
        condition = value.get("condition")
        return f"Present, condition {str(condition).lower()}" if condition else "Present"
    return str(value)


def with_text(answer: Answer) -> Answer:
    answer.text = display(answer)
    return answer


def capitalise(line: str) -> str:
    return line[:1].upper() + line[1:]

"""A room the person named with a word of the vocabulary is that type (issue 25 part 3), in the languages
people name rooms in: English, German, French, Spanish, Italian and Dutch, however accented or cased."""

from __future__ import annotations

import pytest

from housescan.agents.contract import ROOM_TYPES
from housescan.review.wording import ROOM_WORDS_BY_LANGUAGE, room_type_named

# Each language: names as people type them (accents, case, numbers, qualifiers) -> the type they say.
NAMED = {
    "en": {
        "Kitchen": "kitchen",
        "Master bedroom": "bedroom",
        "Living room": "living_room",
        "Dining room": "dining_room",
        "Bathroom 2": "bathroom",
        "Outside": "exterior",
        "Front": "exterior",
        "Back garden": "exterior",
        "Exterior view": "exterior",
    },
    "de": {
        "Küche": "kitchen",
        "KÜCHE": "kitchen",
        "Kuche": "kitchen",
        "Kueche": "kitchen",
        "Badezimmer": "bathroom",
        "Kleines Bad": "bathroom",
        "Gäste-WC": "bathroom",
        "Schlafzimmer 2": "bedroom",
        "Wohnzimmer": "living_room",
        "Eßzimmer": "dining_room",
        "Esszimmer": "dining_room",
        "Büro": "office",
        "Flur": "hallway",
        "Waschküche": "laundry",
        "Garten": "exterior",
        "Außenansicht": "exterior",
        "Aussen": "exterior",
    },
    "fr": {
        "Cuisine": "kitchen",
        "Salle de bains": "bathroom",
        "salle de bain": "bathroom",
        "Salle d\u2019eau": "bathroom",
        "Chambre 1": "bedroom",
        "Chambre principale": "bedroom",
        "Salon": "living_room",
        "Séjour": "living_room",
        "SEJOUR": "living_room",
        "Salle à manger": "dining_room",
        "Salle a manger": "dining_room",
        "Entrée": "hallway",
        "Buanderie": "laundry",
        "Jardin": "exterior",
        "Façade": "exterior",
        "Extérieur": "exterior",
    },
    "es": {
        "Cocina": "kitchen",
        "Baño": "bathroom",
        "bano": "bathroom",
        "Cuarto de baño": "bathroom",
        "Dormitorio principal": "bedroom",
        "Recámara": "bedroom",
        "Salón": "living_room",
        "Sala de estar": "living_room",
        "Comedor": "dining_room",
        "Pasillo": "hallway",
        "Lavandería": "laundry",
        "Garaje": "garage",
        "Jardín": "exterior",
        "Fachada": "exterior",
        "Exterior": "exterior",
    },
    "it": {
        "Cucina": "kitchen",
        "Bagno": "bathroom",
        "Camera da letto": "bedroom",
        "Camera matrimoniale": "bedroom",
        "Soggiorno": "living_room",
        "Salotto": "living_room",
        "Sala da pranzo": "dining_room",
        "Ingresso": "hallway",
        "Lavanderia": "laundry",
        "Giardino": "exterior",
        "Facciata": "exterior",
        "Esterno": "exterior",
    },
    "nl": {
        "Keuken": "kitchen",
        "Badkamer": "bathroom",
        "Slaapkamer 2": "bedroom",
        "Grote slaapkamer": "bedroom",
        "Woonkamer": "living_room",
        "Eetkamer": "dining_room",
        "Werkkamer": "office",
        "Hal": "hallway",
        "Bijkeuken": "laundry",
        "Tuin": "exterior",
        "Voorgevel": "exterior",
        "Buiten": "exterior",
    },
}


@pytest.mark.parametrize("language", sorted(NAMED))
def test_a_room_named_in_the_language_is_that_type(language: str) -> None:
    said = {name: room_type_named(name) for name in NAMED[language]}
    assert said == NAMED[language]


@pytest.mark.parametrize("language", sorted(ROOM_WORDS_BY_LANGUAGE))
def test_each_language_names_the_common_rooms_and_the_outside(language: str) -> None:
    types = set(ROOM_WORDS_BY_LANGUAGE[language].values())
    assert {"kitchen", "bathroom", "bedroom", "living_room", "dining_room", "exterior"} <= types
    assert types <= set(ROOM_TYPES) - {"other"}


def test_no_word_names_two_types_across_languages() -> None:
    """Every word of every language reads as its own type: a word two languages share without accents and
    case ("salon", "gang", "bad") would read as the other language's type if they disagreed."""
    misread = [
        (language, word, room_type_named(word))
        for language, words in ROOM_WORDS_BY_LANGUAGE.items()
        for word, room_type in words.items()
        if room_type_named(word) != room_type
    ]
    assert misread == []


@pytest.mark.parametrize(
    "name",
    ["Studio", "Sala", "Camera", "Habitación", "Kamer", "Kitchen/diner", "Cuisine américaine", "Granny flat", "Zimmer"],
)
def test_a_word_that_could_name_several_rooms_or_none_is_not_read(name: str) -> None:
    assert room_type_named(name) is None

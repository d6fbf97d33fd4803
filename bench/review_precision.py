"""What the report still claims from the `local` provider, after the review's honesty rules, measured on the
labelled development photos: the precision of every product presence it shows, and of the house type
where it gives one (with its coverage).

    python bench/review_precision.py [DATASET_DIR] [--labels CSV] [--thresholds 0.3,0.5,0.7]

Each photo is analysed as a one-room scan by the provider itself (`LocalProvider`: room type, products,
house type), then read through `review.item_answers` exactly as `GET /report` reads a saved result: a product
is shown "present" only at `PRESENCE_MIN_CONFIDENCE`, never "absent"; the house type only at
`HOUSE_TYPE_MIN_CONFIDENCE`. Products are checked against bench/labels/products-dev.csv (hand-made
presence per photo, for evaluation only); house types against the `_exterior_{type}` folders.
Measurement only: nothing is fitted to the photos.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from collections import Counter
from pathlib import Path

from housescan.agents.contract import ChecklistAnswers
from housescan.agents.providers.base import RoomFindings, RoomPhotos
from housescan.agents.providers.local import LocalProvider
from housescan.checklists.base import PRODUCT_ITEMS
from housescan.review import item_answers as review

REPO = Path(__file__).resolve().parent.parent
HOUSE_FOLDERS = {
    "_exterior_apartment": "apartment",
    "_exterior_detached_house": "detached_house",
    "_exterior_townhouse": "townhouse",
}


def _shown_products(answers: ChecklistAnswers, threshold: float) -> dict[str, bool | None]:
    """The product values the report shows, at a presence threshold."""
    saved = answers.model_dump(mode="json")
    kept = review.PRESENCE_MIN_CONFIDENCE
    review.PRESENCE_MIN_CONFIDENCE = threshold
    try:
        shown = {}
        for item in PRODUCT_ITEMS:
            value, _confidence, _raw = review._model_checklist_answer(item, saved, features=True)
            shown[item.id] = None if value is None else bool(value.get("exists"))
        return shown
    finally:
        review.PRESENCE_MIN_CONFIDENCE = kept


def _labels(path: str) -> dict[str, dict[str, bool]]:
    with open(path, newline="") as handle:
        return {row.pop("file"): {k: v == "1" for k, v in row.items()} for row in csv.DictReader(handle)}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset", nargs="?", default=str(REPO.parent / "shared" / "datasets" / "rooms-dev"))
    parser.add_argument("--labels", default=str(REPO / "bench" / "labels" / "products-dev.csv"))
    parser.add_argument("--thresholds", default="0.2,0.3,0.4,0.5,0.6,0.7")
    parser.add_argument("--house-thresholds", default="0,0.5,0.6,0.7,0.75,0.8,0.9")
    args = parser.parse_args()
    dataset = Path(args.dataset)
    thresholds = [float(t) for t in args.thresholds.split(",")]
    labels = _labels(args.labels)
    photos = sorted(dataset.glob("*/*.jpg"))  # noqa: ASYNC240 (a benchmark, nothing else waits on the loop)

    provider = LocalProvider()
    products_by_photo: dict[str, ChecklistAnswers] = {}
    house_answers: list[tuple[str, list[str], float]] = []
    for path in photos:
        rel = f"{path.parent.name}/{path.name}"
        room = RoomPhotos(room_id=rel, label=None, photos=[path.read_bytes()])
        room_type, _ = await provider.room_type(room)
        if rel in labels:
            products_by_photo[rel], _ = await provider.products(room, room_type, list(PRODUCT_ITEMS))
        truth = HOUSE_FOLDERS.get(path.parent.name)
        if truth:
            products, _ = await provider.products(room, room_type, list(PRODUCT_ITEMS))
            findings = RoomFindings(
                room_id=rel,
                label=None,
                room_types=room_type.room_types,
                room_type_confidence=room_type.confidence,
                products=products,
                issues=ChecklistAnswers(),
                photos=room,
            )
            answer, _ = await provider.house_type([findings])
            house_answers.append((truth, answer.house_types, answer.confidence))

    print(f"provider {provider.model}; {len(products_by_photo)} labelled photos; {len(house_answers)} exteriors")
    print("\nProduct presence shown by the report (precision = right / shown), per threshold:")
    for threshold in thresholds:
        shown_right, shown, absent_claims = Counter[str](), Counter[str](), 0
        for rel, answers in products_by_photo.items():
            for product, value in _shown_products(answers, threshold).items():
                if product not in labels[rel]:
                    continue
                if value is True:
                    shown[product] += 1
                    shown_right[product] += labels[rel][product]
                elif value is False:
                    absent_claims += 1
        total, right = sum(shown.values()), sum(shown_right.values())
        marker = "  <- PRESENCE_MIN_CONFIDENCE" if threshold == review.PRESENCE_MIN_CONFIDENCE else ""
        print(
            f"  >= {threshold:.2f}: {right}/{total} = {right / max(total, 1):.1%} "
            f"(absences shown: {absent_claims}){marker}"
        )
        print("     " + ", ".join(f"{p} {shown_right[p]}/{shown[p]}" for p in sorted(shown)))
    print("\nHouse type where the report gives one (precision, coverage), per confidence threshold:")
    for threshold in [float(t) for t in args.house_thresholds.split(",")]:
        answered = [(truth, types[0]) for truth, types, conf in house_answers if types and conf >= threshold]
        right = sum(truth == guess for truth, guess in answered)
        marker = "  <- HOUSE_TYPE_MIN_CONFIDENCE" if threshold == review.HOUSE_TYPE_MIN_CONFIDENCE else ""
        print(
            f"  >= {threshold:.2f}: {right}/{len(answered)} = {right / max(len(answered), 1):.1%}, "
            f"coverage {len(answered)}/{len(house_answers)}{marker}"
        )


if __name__ == "__main__":
    asyncio.run(main())

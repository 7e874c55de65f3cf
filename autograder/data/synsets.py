"""WordNet ids (synsets) of the classes this module uses, and their readable names.

ImageNet names each class by a WordNet synset id such as ``n02119789`` (kit fox); the folders of an
ILSVRC-2012 copy and of the Imagenette/Imagewoof archives are named by these ids.
"""
from __future__ import annotations

from pathlib import Path

# The ten classes of the lecture, in the lecture's order: class index k is LECTURE_SYNSETS[k].
LECTURE_SYNSETS: list[str] = [
    "n02119789", "n02100735", "n02096294", "n02066245", "n02509815",
    "n02124075", "n02417914", "n02123394", "n02125311", "n02423022",
]

# The classes of the public Imagenette and Imagewoof archives (fast.ai), sorted as their folders are.
IMAGENETTE_SYNSETS: list[str] = [
    "n01440764", "n02102040", "n02979186", "n03000684", "n03028079",
    "n03394916", "n03417042", "n03425413", "n03445777", "n03888605",
]
IMAGEWOOF_SYNSETS: list[str] = [
    "n02086240", "n02087394", "n02088364", "n02089973", "n02093754",
    "n02096294", "n02099601", "n02105641", "n02111889", "n02115641",
]

KNOWN_NAMES: dict[str, str] = {
    "n02119789": "kit fox", "n02100735": "English setter", "n02096294": "Australian terrier",
    "n02066245": "grey whale", "n02509815": "lesser panda", "n02124075": "Egyptian cat",
    "n02417914": "ibex", "n02123394": "Persian cat", "n02125311": "cougar", "n02423022": "gazelle",
    "n01440764": "tench", "n02102040": "English springer", "n02979186": "cassette player",
    "n03000684": "chain saw", "n03028079": "church", "n03394916": "French horn",
    "n03417042": "garbage truck", "n03425413": "gas pump", "n03445777": "golf ball",
    # Imagenette's parachute folder carries this id, which ILSVRC-2012 gives to "parallel bars"
    # (ILSVRC's parachute is n03888257); the archive's images are parachutes.
    "n03888605": "parachute",
    "n03888257": "parachute",  # ILSVRC's own id, used by copies of Imagenette rebuilt from ILSVRC
    "n02086240": "Shih-Tzu", "n02087394": "Rhodesian ridgeback", "n02088364": "beagle",
    "n02089973": "English foxhound", "n02093754": "Border terrier", "n02099601": "golden retriever",
    "n02105641": "Old English sheepdog", "n02111889": "Samoyed", "n02115641": "dingo",
}


def read_synset_mapping(path: Path) -> dict[str, str]:
    """Names from an ILSVRC ``LOC_synset_mapping.txt`` (lines ``n01440764 tench, Tinca tinca``):
    synset -> its first name."""
    names = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        synset, _, names_list = line.strip().partition(" ")
        if synset:
            names[synset] = names_list.split(",")[0].strip() or synset
    return names


def class_names(synsets: list[str], extra_names: dict[str, str] | None = None) -> list[str]:
    """Readable names of ``synsets``: from ``extra_names``, else :data:`KNOWN_NAMES`, else the id."""
    names = {**KNOWN_NAMES, **(extra_names or {})}
    return [names.get(synset, synset) for synset in synsets]

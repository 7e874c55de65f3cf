"""The image data the module trains on: an ImageNet subset, prepared once into uint8 arrays.

- ``autograder.data.subset``: :class:`ImageSubset` and :func:`load_subset`, which picks the source
  (arguments, then environment variables, then the synthetic stand-in) and caches what it prepares.
- ``autograder.data.synsets``: the lecture's ten classes and readable class names.
- ``autograder.data.ilsvrc``: finding files in the ILSVRC-2012 folder layout; layout errors.
- ``autograder.data.imagenette``: the Imagenette/Imagewoof archives (download, extract, classes).
- ``autograder.data.download``: HTTP download with resume, checksum and progress bar.
- ``autograder.data.images``: decoding one file (JPEG draft mode, RGB, resize, centre crop).
- ``autograder.data.prepare``: decoding many files in parallel into one preallocated array.
- ``autograder.data.cache``: the cached arrays and their JSON manifest.
- ``autograder.data.synthetic``: the offline stand-in (generated textures; not ImageNet).

Command line: ``python -m autograder.data prepare --source ilsvrc --root DIR --size 64``.
"""
from autograder.data.download import ChecksumError
from autograder.data.ilsvrc import DataSourceError
from autograder.data.subset import ImageSubset, load_subset, resolve_source
from autograder.data.synsets import LECTURE_SYNSETS

__all__ = ["LECTURE_SYNSETS", "ImageSubset", "load_subset", "resolve_source", "DataSourceError",
           "ChecksumError"]

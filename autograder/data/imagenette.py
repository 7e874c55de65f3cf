"""The public Imagenette and Imagewoof archives (fast.ai): ten ImageNet classes each, in the
ILSVRC folder layout ``<folder>/{train,val}/<synset>/*.JPEG``.

An archive is named by a key of :data:`ARCHIVES` (downloaded into the cache with resume, checksum
and progress bar), a URL, a local ``.tgz``, or an already extracted folder. Their classes are not
the lecture's: Imagenette has none of them and Imagewoof only the Australian terrier.
"""
from __future__ import annotations

import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from autograder.data.download import download, verify_checksum
from autograder.data.ilsvrc import DataSourceError, listing
from autograder.data.synsets import IMAGENETTE_SYNSETS, IMAGEWOOF_SYNSETS, KNOWN_NAMES

BASE_URL = "https://s3.amazonaws.com/fast-ai-imageclas"


@dataclass(frozen=True)
class Archive:
    url: str
    checksum: str | None  # as published; None where no trustworthy published value is known
    synsets: tuple[str, ...]


# The md5 sums of the Imagenette archives are those torchvision's Imagenette dataset checks. fast.ai
# has republished the files over the years with other sums, and Imagewoof's published sums
# disagree between sources: pass the checksum you trust (``checksum=``, CNN2_IMAGENETTE_CHECKSUM).
ARCHIVES: dict[str, Archive] = {
    "imagenette-160": Archive(f"{BASE_URL}/imagenette2-160.tgz", "md5:e793b78cc4c9e9a4ccc0c1155377a412",
                              tuple(IMAGENETTE_SYNSETS)),
    "imagenette-320": Archive(f"{BASE_URL}/imagenette2-320.tgz", "md5:3df6f0d01a2c9592104656642f5e78a3",
                              tuple(IMAGENETTE_SYNSETS)),
    "imagenette": Archive(f"{BASE_URL}/imagenette2.tgz", "md5:fe2fc210e6bb7c5664d602c3cd71e612",
                          tuple(IMAGENETTE_SYNSETS)),
    "imagewoof-160": Archive(f"{BASE_URL}/imagewoof2-160.tgz", None, tuple(IMAGEWOOF_SYNSETS)),
    "imagewoof-320": Archive(f"{BASE_URL}/imagewoof2-320.tgz", None, tuple(IMAGEWOOF_SYNSETS)),
    "imagewoof": Archive(f"{BASE_URL}/imagewoof2.tgz", None, tuple(IMAGEWOOF_SYNSETS)),
}
DEFAULT_ARCHIVE = "imagenette-160"  # 160 px shorter side: plenty for 32-128 px, a tenth of the full size
ARCHIVE_SUFFIXES = (".tgz", ".tar.gz", ".tar")
EXTRACTED_MARKER = ".extracted-from"


def locate_archive(spec: str | Path, cache_dir: Path, checksum: str | None = None,
                   progress: bool = True) -> Path:
    """The folder holding ``train/`` and ``val/`` of the archive ``spec``, downloading and
    extracting into ``cache_dir`` as needed.

    spec: a key of :data:`ARCHIVES`, an http(s) URL, a local .tgz/.tar.gz/.tar or an extracted
    folder. ``checksum`` ("md5:<hex>" or "sha256:<hex>") overrides the published one; a local
    archive is verified only when it is given.
    """
    text = str(spec)
    if text in ARCHIVES:
        archive = ARCHIVES[text]
        return _download_and_extract(archive.url, cache_dir, checksum or archive.checksum, progress)
    if text.startswith(("http://", "https://")):
        return _download_and_extract(text, cache_dir, checksum, progress)
    path = Path(spec).expanduser()
    if path.is_dir():
        return layout_root(path)
    if path.is_file() and path.name.lower().endswith(ARCHIVE_SUFFIXES):
        if checksum:
            verify_checksum(path, checksum)
        return extract(path, cache_dir / "extracted", progress)
    raise DataSourceError(f"archive {text!r} is neither one of {sorted(ARCHIVES)}, an http(s) URL, "
                          f"an existing {'/'.join(ARCHIVE_SUFFIXES)} file nor an extracted folder")


def _download_and_extract(url: str, cache_dir: Path, checksum: str | None, progress: bool) -> Path:
    if checksum is None:
        tqdm.write(f"note: no checksum known for {url}; the download is not verified")
    tgz = download(url, cache_dir / "downloads" / url.rsplit("/", 1)[-1], checksum, progress)
    return extract(tgz, cache_dir / "extracted", progress)


def archive_stem(path: Path) -> str:
    """``imagenette2-160.tgz`` -> ``imagenette2-160``."""
    name = path.name
    for suffix in ARCHIVE_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return path.stem


def extract(tgz: Path, extracted_dir: Path, progress: bool = True) -> Path:
    """Extract ``tgz`` into ``extracted_dir/<stem>`` once; returns its layout root (see
    :func:`layout_root`). A marker file names the archive (path, size, mtime) the folder came
    from: a replaced archive is extracted again. Members that would land outside the folder
    (absolute paths, ``..``, links out) are refused by tarfile's "data" filter."""
    target = extracted_dir / archive_stem(tgz)
    stat = tgz.stat()
    origin = f"{tgz.resolve()}\t{stat.st_size}\t{stat.st_mtime_ns}\n"
    marker = target / EXTRACTED_MARKER
    if marker.is_file() and marker.read_text(encoding="utf-8") == origin:
        return layout_root(target)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with tarfile.open(tgz) as tar, tqdm(desc=f"extracting {tgz.name}", unit="file",
                                        disable=not progress) as bar:
        for member in tar:
            tar.extract(member, partial, filter="data")
            bar.update(1)
    (partial / EXTRACTED_MARKER).write_text(origin, encoding="utf-8")
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return layout_root(target)


def layout_root(folder: Path) -> Path:
    """``folder`` if it holds ``train/``, else its only subfolder that does (archives wrap their
    content in a folder such as ``imagenette2-160/``)."""
    if (folder / "train").is_dir():
        return folder
    inner = [d for d in sorted(folder.iterdir()) if (d / "train").is_dir()]
    if len(inner) == 1:
        return inner[0]
    raise DataSourceError(f"expected {folder}/train/<synset>/*.JPEG (or the same inside one "
                          f"subfolder, as the archives unpack); found: {listing(folder)}")


def folder_synsets(folder: Path) -> list[str]:
    """The classes of an extracted archive: the folder names under ``train/``, sorted."""
    return sorted(d.name for d in (folder / "train").iterdir() if d.is_dir())


def select_synsets(available: list[str], requested: list[str] | None, where: str) -> list[str]:
    """The classes to load from an archive (``where`` names it): all ``available`` ones when
    ``requested`` is None, else ``requested``, which must all be available: otherwise a
    :class:`DataSourceError` names the missing classes, the present ones and the available ones."""
    if requested is None:
        return list(available)
    missing = [s for s in requested if s not in available]
    if missing:
        def named(synsets):
            return [f"{s} {KNOWN_NAMES[s]}" if s in KNOWN_NAMES else s for s in synsets]
        present = [s for s in requested if s in available]
        raise DataSourceError(
            f"{where} lacks {len(missing)} of the {len(requested)} requested classes: "
            f"missing {named(missing)}; of the requested, present: {named(present)}. The archive's "
            f"classes are {named(available)}. Imagenette and Imagewoof hold ten ImageNet classes "
            f"each, not the lecture's ten: ask for classes the archive has (no synsets: all of "
            f"them), or use an ILSVRC-2012 copy (source 'ilsvrc')")
    return list(requested)

"""The Imagenette/Imagewoof path: a local .tgz in the archive's layout, classes the archive lacks,
and downloads from a local HTTP server (started on 127.0.0.1 by the tests) that resume after an
interruption and fail clearly on a wrong checksum."""
from __future__ import annotations

import hashlib
import http.server
import io
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from autograder.data import LECTURE_SYNSETS, ChecksumError, DataSourceError, load_subset
from autograder.data.download import download, parse_checksum
from autograder.data.imagenette import ARCHIVES

CLASSES = ["n03888605", "n01440764", "n02979186"]  # parachute, tench, cassette player (unsorted)


def jpeg_bytes(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (48, 72, 3), dtype=np.uint8)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """A small .tgz in Imagenette's layout: imagenette2-tiny/{train,val}/<synset>/*.JPEG."""
    path = tmp_path_factory.mktemp("archive") / "imagenette2-tiny.tgz"
    with tarfile.open(path, "w:gz") as tar:
        for k, synset in enumerate(sorted(CLASSES)):
            for split, count in (("train", 3), ("val", 2)):
                for i in range(count):
                    data = jpeg_bytes(100 * k + 10 * (split == "val") + i)
                    member = tarfile.TarInfo(f"imagenette2-tiny/{split}/{synset}/{synset}_{i}.JPEG")
                    member.size = len(data)
                    tar.addfile(member, io.BytesIO(data))
    return path


def test_a_local_archive_is_extracted_once_and_loaded(archive, tmp_path, monkeypatch):
    train = load_subset("train", 32, "imagenette", root=archive, cache_dir=tmp_path, progress=False)
    assert train.synsets == sorted(CLASSES) and train.class_names == ["tench", "cassette player", "parachute"]
    assert train.images.shape == (9, 32, 32, 3) and train.labels.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2]
    assert train.source == "imagenette" and not train.is_synthetic
    assert train.manifest["archive"] == str(archive)
    extracted = tmp_path / "extracted" / "imagenette2-tiny"
    assert train.manifest["folder"] == str(extracted / "imagenette2-tiny")

    monkeypatch.setattr(tarfile, "open", lambda *a, **k: pytest.fail("extracted a second time"))
    val = load_subset("val", 32, "imagenette", root=archive, cache_dir=tmp_path, progress=False)
    assert len(val) == 6 and val.split == "val" and not val.manifest["reused_cache"]
    again = load_subset("train", 32, "imagenette", root=archive, cache_dir=tmp_path, progress=False)
    assert again.manifest["reused_cache"] and np.array_equal(again.images, train.images)


def test_classes_the_archive_lacks_are_named_with_those_it_has(archive, tmp_path):
    requested = LECTURE_SYNSETS[:2] + ["n01440764"]
    with pytest.raises(DataSourceError) as info:
        load_subset("train", 32, "imagenette", requested, archive, tmp_path, progress=False)
    message = str(info.value)
    assert "lacks 2 of the 3 requested classes" in message
    assert "missing ['n02119789 kit fox', 'n02100735 English setter']" in message
    assert "present: ['n01440764 tench']" in message
    assert ("The archive's classes are ['n01440764 tench', 'n02979186 cassette player', "
            "'n03888605 parachute']") in message
    subset = load_subset("train", 32, "imagenette", ["n03888605", "n01440764"], archive, tmp_path,
                         progress=False)
    assert subset.class_names == ["parachute", "tench"] and subset.labels.tolist() == [0, 0, 0, 1, 1, 1]


def test_the_lecture_classes_are_refused_before_downloading_a_known_archive(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.data.imagenette.download", lambda *a, **k: pytest.fail("downloaded"))
    with pytest.raises(DataSourceError) as info:
        load_subset("train", 32, "imagenette", LECTURE_SYNSETS, "imagenette-160", tmp_path)
    message = str(info.value)
    assert message.startswith("archive imagenette-160 lacks 10 of the 10 requested classes")
    assert "'n02119789 kit fox'" in message and "present: []" in message and "'n01440764 tench'" in message
    with pytest.raises(DataSourceError, match="missing \\['n02119789 kit fox'\\]; of the requested, "
                                              "present: \\['n02096294 Australian terrier'\\]"):
        load_subset("train", 32, "imagenette", ["n02119789", "n02096294"], "imagewoof-320", tmp_path)


def test_an_unknown_archive_spec_is_refused(tmp_path):
    with pytest.raises(DataSourceError, match="neither one of .*imagenette-160"):
        load_subset("train", 32, "imagenette", root=str(tmp_path / "nothing.zip"), cache_dir=tmp_path)


def test_the_known_archives_have_well_formed_urls_and_checksums():
    assert {"imagenette-160", "imagenette-320", "imagenette", "imagewoof-160"} <= set(ARCHIVES)
    for name, archive in ARCHIVES.items():
        assert archive.url.startswith("https://") and archive.url.endswith(".tgz"), name
        assert len(archive.synsets) == 10, name
        if archive.checksum is not None:
            algorithm, digest = parse_checksum(archive.checksum)
            assert algorithm == "md5" and len(digest) == 32 and int(digest, 16) >= 0, name
    assert "n02096294" in ARCHIVES["imagewoof"].synsets  # the lecture's Australian terrier


class Server:
    """A local HTTP server for one payload, honouring Range requests unless told not to, and
    able to cut its next responses short (a dropped connection)."""

    def __init__(self, payload: bytes):
        self.payload, self.ranges, self.cut_next, self.honour_range = payload, [], [], True
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requested = self.headers.get("Range")
                server.ranges.append(requested)
                start = 0
                if requested and server.honour_range:
                    start = int(requested.removeprefix("bytes=").split("-")[0])
                    if start >= len(server.payload):
                        self.send_response(416)
                        self.end_headers()
                        return
                    self.send_response(206)
                    last = len(server.payload) - 1
                    self.send_header("Content-Range", f"bytes {start}-{last}/{len(server.payload)}")
                else:
                    self.send_response(200)
                body = server.payload[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.cut_next:
                    body = body[:server.cut_next.pop(0)]  # then the connection closes
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/imagenette2-tiny.tgz"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(archive):
    server = Server(archive.read_bytes())
    yield server
    server.close()


def md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data).hexdigest()


def test_an_interrupted_download_resumes_where_it_stopped(server, tmp_path):
    size = len(server.payload)
    server.cut_next = [size // 3, size // 3]
    path = download(server.url, tmp_path / "a.tgz", md5(server.payload), progress=False)
    assert path.read_bytes() == server.payload and not (tmp_path / "a.tgz.part").exists()
    assert server.ranges == [None, f"bytes={size // 3}-", f"bytes={2 * (size // 3)}-"]


def test_a_part_left_by_an_earlier_run_is_resumed(server, tmp_path):
    half = len(server.payload) // 2
    (tmp_path / "a.tgz.part").write_bytes(server.payload[:half])
    path = download(server.url, tmp_path / "a.tgz", "sha256:" + hashlib.sha256(server.payload).hexdigest(),
                    progress=False)
    assert path.read_bytes() == server.payload and server.ranges == [f"bytes={half}-"]
    assert download(server.url, path, md5(server.payload), progress=False) == path
    assert len(server.ranges) == 1  # an existing complete file is only verified


def test_a_server_ignoring_the_range_sends_everything_again(server, tmp_path):
    server.honour_range = False
    (tmp_path / "a.tgz.part").write_bytes(b"garbage from elsewhere")
    path = download(server.url, tmp_path / "a.tgz", md5(server.payload), progress=False)
    assert path.read_bytes() == server.payload and server.ranges == ["bytes=22-"]


def test_a_complete_part_file_is_recognised(server, tmp_path):
    (tmp_path / "a.tgz.part").write_bytes(server.payload)
    path = download(server.url, tmp_path / "a.tgz", md5(server.payload), progress=False)
    assert path.read_bytes() == server.payload and server.ranges == [f"bytes={len(server.payload)}-"]


def test_a_wrong_checksum_fails_clearly_and_leaves_nothing_behind(server, tmp_path):
    wrong = "md5:" + "0" * 32
    with pytest.raises(ChecksumError) as info:
        download(server.url, tmp_path / "a.tgz", wrong, progress=False)
    message = str(info.value)
    assert f"the download of {server.url} has the wrong checksum and was deleted" in message
    assert f"md5 is {hashlib.md5(server.payload).hexdigest()}, expected {'0' * 32}" in message
    assert not (tmp_path / "a.tgz").exists() and not (tmp_path / "a.tgz.part").exists()


def test_a_connection_that_keeps_dropping_gives_up_keeping_the_part(server, tmp_path):
    server.cut_next = [10, 10, 10]
    with pytest.raises(ConnectionError, match="failed 3 times; the 30 bytes received stay in"):
        download(server.url, tmp_path / "a.tgz", md5(server.payload), progress=False, retries=2)
    assert (tmp_path / "a.tgz.part").read_bytes() == server.payload[:30]


def test_checksums_must_name_their_algorithm():
    with pytest.raises(ValueError, match="expected 'md5:<hex digest>' or 'sha256:<hex digest>'"):
        parse_checksum("e793b78cc4c9e9a4ccc0c1155377a412")


def test_load_subset_downloads_verifies_and_extracts_an_archive_url(server, tmp_path):
    server.cut_next = [len(server.payload) // 2]
    subset = load_subset("val", 32, "imagenette", root=server.url, cache_dir=tmp_path,
                         checksum=md5(server.payload), progress=False)
    assert len(subset) == 6 and subset.synsets == sorted(CLASSES)
    assert (tmp_path / "downloads" / "imagenette2-tiny.tgz").read_bytes() == server.payload
    with pytest.raises(ChecksumError):
        load_subset("val", 32, "imagenette", root=server.url, cache_dir=tmp_path / "other",
                    checksum="sha256:" + "1" * 64, progress=False)

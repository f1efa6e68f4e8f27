"""The upload storage: keys stay inside their area, writes land whole, a configured backend is used."""

from __future__ import annotations

import pytest

from app.platform.storage import LocalStorage, check_key, storage


@pytest.mark.parametrize("key", ["../etc/passwd", "/public/x", "public", "other/x.png", "public/../private/x"])
def test_keys_outside_the_areas_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_local_storage_round_trip(tmp_path):
    store = LocalStorage(tmp_path)
    store.save("private/org1/file.pdf", b"%PDF-1.4")
    assert store.exists("private/org1/file.pdf")
    with store.open("private/org1/file.pdf") as fh:
        assert fh.read() == b"%PDF-1.4"
    assert store.local_path("private/org1/file.pdf") == tmp_path / "private/org1/file.pdf"
    assert [p.name for p in (tmp_path / "private/org1").iterdir()] == ["file.pdf"]  # no temp left
    store.delete("private/org1/file.pdf")
    assert not store.exists("private/org1/file.pdf")


def test_app_storage_uses_upload_folder(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path)
    app.extensions.pop("volmify_storage", None)
    with app.app_context():
        storage().save("public/a/b.txt", b"x")
    assert (tmp_path / "public/a/b.txt").read_bytes() == b"x"
    app.extensions.pop("volmify_storage", None)

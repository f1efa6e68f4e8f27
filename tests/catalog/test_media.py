"""Images and files (issue 12 point 2): uploads refused with a message (too large, not an image,
a decompression bomb, no alt text), re-encoded sizes served with long cache headers, the storefront
showing covers with srcset (or the placeholder), avatars and logos, and a download product's file
reaching buyers with access and nobody else."""

from __future__ import annotations

import io
import re
import struct
import zlib
from decimal import Decimal

import pytest
import sqlalchemy as sa
from PIL import Image

from app.accounts.models import UserJobProfile
from app.catalog.models import OrgProduct
from app.errors import ValidationError
from app.extensions import db
from app.markets.models import OrgMarket
from app.orgs.models import Org, OrgAuditLog, OrgMember
from app.platform import images
from app.platform.images import OrgImage
from tests.factories import (
    PASSWORD,
    make_brand,
    make_member,
    make_priced_plan,
    make_product,
    make_user,
    unique,
)
from tests.learn import assessment_fixtures
from tests.staff.order_fixtures import buy

# The tests share one academy, built once (each runs in a SAVEPOINT rolled back after it).
pytestmark = pytest.mark.module_data
academy = assessment_fixtures.module_academy  # the fixture


@pytest.fixture(autouse=True)
def uploads(app, tmp_path):
    """Uploads land in a folder of this test."""
    before = app.config.get("UPLOAD_FOLDER")
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = before


def picture(width=2000, height=1000, fmt="JPEG", colour=(200, 40, 40), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (width, height), colour)
    image.paste((20, 20, 200), (0, 0, width // 2, height // 4))  # a blue block top-left: shows the orientation
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def rotated_jpeg_with_gps() -> bytes:
    """A 2000x1000 JPEG whose EXIF says "rotate 90° clockwise to view" and carries a GPS position."""
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation
    exif[0x010F] = "SpyCam"  # camera make
    exif.get_ifd(0x8825)[2] = (52.0, 31.0, 0.0)  # GPS latitude
    return picture(exif=exif.tobytes())


def png_bomb(width=60000, height=60000) -> bytes:
    """A tiny PNG file that claims 60,000 x 60,000 pixels (3.6 gigapixels)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b"")


def _client(app, email):
    client = app.test_client()
    assert client.post("/account/login", data={"email": email, "password": PASSWORD}).status_code in (302, 303)
    return client


def _cover_url(a) -> str:
    return f"{a.dashboard}/products/{a.product_id}/media"


def _upload_cover(client, a, data, alt="A python on a laptop", name="cover.jpg", headers=None):
    return client.post(_cover_url(a) + "/cover", data={"image": (io.BytesIO(data), name), "alt_text": alt},
                       content_type="multipart/form-data", headers=headers or {})


def _cover(app, a) -> OrgImage | None:
    with app.app_context():
        return db.session.scalar(sa.select(OrgImage).where(OrgImage.product_id == a.product_id))


def _text(response) -> str:
    return response.get_data(as_text=True)


# ---- refusals -------------------------------------------------------------------------------

def test_a_20_mb_image_is_refused_with_a_message_and_nothing_is_stored(app, academy, uploads):
    admin = _client(app, academy.admin_email)
    big = picture() + b"\0" * (20 * 1024 * 1024)
    r = _upload_cover(admin, academy, big)
    assert r.status_code == 422
    assert "images may be at most 10 MB" in _text(r)
    assert _cover(app, academy) is None
    assert not (uploads / "public").exists()


def test_a_text_file_renamed_png_is_refused(app, academy):
    admin = _client(app, academy.admin_email)
    r = _upload_cover(admin, academy, b"hello, I am not a picture\n" * 40, name="photo.png")
    assert r.status_code == 422
    assert "This file is not an image we can use" in _text(r)
    assert _cover(app, academy) is None


def test_a_decompression_bomb_is_refused_before_decoding(app):
    with app.test_request_context(), pytest.raises(ValidationError, match="too many pixels"):
        images.process_image(png_bomb())


def test_an_image_without_alt_text_is_refused(app, academy, uploads):
    admin = _client(app, academy.admin_email)
    r = _upload_cover(admin, academy, picture(), alt="   ")
    assert r.status_code == 422
    assert "alt text" in _text(r)
    assert _cover(app, academy) is None


def test_the_limit_is_configurable(app, academy):
    app.config["IMAGE_MAX_MB"] = 1
    try:
        r = _upload_cover(_client(app, academy.admin_email), academy, picture() + b"\0" * (1024 * 1024))
        assert r.status_code == 422 and "at most 1 MB" in _text(r)
    finally:
        app.config.pop("IMAGE_MAX_MB")


# ---- a valid upload -------------------------------------------------------------------------

def test_a_cover_is_reencoded_into_sizes_served_with_long_cache_headers(app, academy, client):
    admin = _client(app, academy.admin_email)
    r = _upload_cover(admin, academy, rotated_jpeg_with_gps())
    assert r.status_code == 303
    cover = _cover(app, academy)
    # EXIF orientation applied: the 2000x1000 landscape photo is a 1000x2000 portrait
    assert cover.widths == "320,640,1000" and (cover.width, cover.height) == (1000, 2000)
    assert re.fullmatch(r"public/images/cover/[0-9a-f]{32}", cover.key)
    view = cover.view()
    for width in (320, 640):
        served = client.get(view.url(width))
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/webp"
        cache = served.headers["Cache-Control"]
        assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
        image = Image.open(io.BytesIO(served.data))
        assert image.format == "WEBP" and image.size == (width, width * 2)
        assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
        assert image.getpixel((width - 5, 5))[2] > 150  # the blue block is now top-right
    with app.app_context():
        entry = db.session.scalar(sa.select(OrgAuditLog).where(OrgAuditLog.action == "product.cover_set"))
        assert entry is not None and entry.entity_id == academy.product_id


def test_unknown_and_private_media_keys_are_404(app, client, uploads):
    (uploads / "private" / "downloads").mkdir(parents=True)
    (uploads / "private" / "downloads" / "secret.webp").write_bytes(b"x")
    assert client.get("/media/images/cover/" + "0" * 32 + "/320.webp").status_code == 404
    assert client.get("/media/../private/downloads/secret.webp").status_code == 404
    assert client.get("/media/private/downloads/secret.webp").status_code == 404


def test_htmx_upload_swaps_the_panel_with_the_stored_preview(app, academy):
    admin = _client(app, academy.admin_email)
    r = _upload_cover(admin, academy, picture(), headers={"HX-Request": "true", "HX-Target": "media-panels"})
    assert r.status_code == 200
    html = _text(r)
    assert html.lstrip().startswith("<div id=\"media-panels\"")
    assert 'srcset="/media/images/cover/' in html and "The cover image was saved." in html
    # the alt text changes without uploading the file again; removing brings the placeholder back
    r = admin.post(_cover_url(academy) + "/cover", data={"alt_text": "A snake"}, content_type="multipart/form-data")
    assert r.status_code == 303 and _cover(app, academy).alt_text == "A snake"
    assert admin.post(_cover_url(academy) + "/cover/remove").status_code == 303
    assert _cover(app, academy) is None
    assert "data-placeholder" in _text(admin.get(_cover_url(academy)))


def test_a_creator_changes_only_the_covers_of_their_own_products(app, academy):
    creator = _client(app, academy.creator_email)
    assert _upload_cover(creator, academy, picture()).status_code == 303
    with app.app_context():
        other = make_product(db.session.get(Org, academy.org_id), name="Not Mine")
        db.session.commit()
        other_id = other.id
    url = f"{academy.dashboard}/products/{other_id}/media"
    assert creator.get(url).status_code == 403
    r = creator.post(url + "/cover", data={"image": (io.BytesIO(picture()), "a.jpg"), "alt_text": "x"},
                     content_type="multipart/form-data")
    assert r.status_code == 403
    assert _client(app, academy.staff_email).get(_cover_url(academy)).status_code == 403


# ---- the storefront -------------------------------------------------------------------------

def test_storefront_shows_covers_with_srcset_and_placeholders_elsewhere(app, academy, client):
    admin = _client(app, academy.admin_email)
    assert _upload_cover(admin, academy, picture()).status_code == 303
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        make_priced_plan(market, product=make_product(org, name="Bare Product", slug=unique("bare")))
        db.session.commit()
    catalog = _text(client.get(f"{academy.prefix}/"))
    card = re.search(rf'<article class="card product-card" data-slug="{academy.course_slug}".*?</article>',
                     catalog, re.S).group(0)
    assert 'srcset="/media/images/cover/' in card and " 320w" in card and " 640w" in card
    assert 'alt="A python on a laptop"' in card and 'width="640" height="320"' in card
    bare = re.search(r'<article class="card product-card" data-slug="bare.*?</article>', catalog, re.S).group(0)
    assert "data-placeholder" in bare and ">BP</text>" in bare and "<img" not in bare

    page = _text(client.get(academy.product_url))
    assert 'class="cover hero"' in page and " 1280w" in page
    og = re.search(r'<meta property="og:image" content="([^"]+)"', page).group(1)
    assert og.startswith("http://") and og.endswith("/1280.webp")
    assert client.get(og.split("localhost", 1)[-1]).status_code == 200
    assert '<meta property="og:image:alt" content="A python on a laptop">' in page

    learner = _client(app, academy.learner_email)
    lesson = _text(learner.get(academy.lesson_url(academy.text1)))
    assert re.search(r'<div class="player-cover"><img class="cover[^>]*srcset="/media/images/cover/', lesson)


def test_a_creators_avatar_shows_with_their_credit(app, academy, client):
    creator = _client(app, academy.creator_email)
    assert "data-placeholder" in _text(creator.get(f"{academy.dashboard}/profile/photo"))
    r = creator.post(f"{academy.dashboard}/profile/photo", content_type="multipart/form-data",
                     data={"image": (io.BytesIO(picture(800, 600)), "me.png"), "alt_text": "Me"})
    assert r.status_code == 303
    page = _text(client.get(academy.product_url))
    credit = re.search(r'<p class="creators">.*?</p>', page, re.S).group(0)
    assert re.search(r'<img class="avatar" src="/media/images/avatar/[0-9a-f]{32}/96.webp"', credit)
    assert 'width="32" height="32"' in credit

    # ...and on their public creator page, once their employment is linked to a public job profile
    from app.accounts.models import User
    from app.orgs.models import OrgEmployee
    from tests.factories import make_job_profile

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == academy.creator_email))
        employee = db.session.get(OrgEmployee, db.session.scalar(  # the one whose photo was uploaded
            sa.select(OrgImage.employee_id).where(OrgImage.org_id == academy.org_id, OrgImage.kind == "avatar")))
        slug = make_job_profile(user, title="Teacher").slug
        employee.job_profile_id = db.session.scalar(
            sa.select(UserJobProfile.id).where(UserJobProfile.slug == slug))
        db.session.commit()
    profile = _text(client.get(f"/creators/{slug}"))
    head = re.search(r'<div class="creator-head">.*?</h1>', profile, re.S).group(0)
    assert re.search(r'<img class="avatar" src="/media/images/avatar/[0-9a-f]{32}/\d+.webp"[^>]*width="96" height="96"', head)


def test_a_brand_logo_is_uploaded_by_admins_and_shown_in_the_header(app, academy, client):
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        brand = make_brand(org, name="Snake School")
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        market.brand_id = brand.id
        db.session.commit()
        brand_id = brand.id
    url = f"{academy.dashboard}/settings/brands"
    assert _client(app, academy.creator_email).get(url).status_code == 403
    admin = _client(app, academy.admin_email)
    assert "Snake School" in _text(admin.get(url))
    r = admin.post(f"{url}/{brand_id}/logo", content_type="multipart/form-data",
                   data={f"brand-{brand_id}-image": (io.BytesIO(picture(600, 200, "PNG")), "logo.png"),
                         f"brand-{brand_id}-alt_text": "Snake School"})
    assert r.status_code == 303
    header = _text(client.get(f"{academy.prefix}/"))
    assert re.search(r'<img src="/media/images/logo/[0-9a-f]{32}/320.webp"', header)
    bad = admin.post(f"{url}/{brand_id}/logo", content_type="multipart/form-data",
                     data={f"brand-{brand_id}-image": (io.BytesIO(b"nope"), "logo.png"),
                           f"brand-{brand_id}-alt_text": "Snake School"})
    assert bad.status_code == 422 and "not an image" in _text(bad)


# ---- a download product's file ---------------------------------------------------------------

@pytest.fixture
def ebook(app, academy):
    """A download product the academy's learner bought; another member bought nothing."""
    with app.app_context():
        org = db.session.get(Org, academy.org_id)
        market = db.session.scalar(sa.select(OrgMarket).where(OrgMarket.org_id == org.id))
        product = make_product(org, type="digital_download", name="Python Cookbook")
        plan = make_priced_plan(market, product=product, price=Decimal("10.00"))
        buy(org, db.session.get(OrgMember, academy.member_id), market, [(plan, product)])
        stranger = make_user(f"{unique('stranger')}@example.com")
        make_member(org, stranger)
        db.session.commit()
        return product.id, stranger.email


def _download_links(client, prefix) -> list[str]:
    return re.findall(r'href="([^"]*/account/downloads/[^"]+)"', _text(client.get(f"{prefix}/account/downloads")))


def test_a_download_file_reaches_buyers_and_nobody_else(app, academy, ebook, client):
    product_id, stranger_email = ebook
    admin = _client(app, academy.admin_email)
    url = f"{academy.dashboard}/products/{product_id}/media/file"
    content = b"%PDF-1.7 the whole cookbook"
    r = admin.post(url, data={"file": (io.BytesIO(content), "../../Cookbook 2nd ed.pdf")},
                   content_type="multipart/form-data")
    assert r.status_code == 303
    with app.app_context():
        product = db.session.get(OrgProduct, product_id)
        assert all(v.has_download for v in product.variants)
        assert product.variants[0].download_url.startswith("private/downloads/")

    learner = _client(app, academy.learner_email)
    links = _download_links(learner, academy.prefix)
    assert len(links) == 1
    got = learner.get(links[0])
    assert got.status_code == 200 and got.data == content
    assert 'attachment; filename="Cookbook 2nd ed.pdf"' in got.headers["Content-Disposition"]
    assert "no-store" in got.headers["Cache-Control"]

    stranger = _client(app, stranger_email)
    assert _download_links(stranger, academy.prefix) == []
    assert stranger.get(links[0]).status_code == 404  # a link made for someone else
    assert client.get(links[0]).status_code in (302, 303)  # signed out: to the login page
    assert client.get("/media/downloads/x").status_code == 404

    # removed: the buyer's link stops working
    assert admin.post(url + "/remove").status_code == 303
    assert learner.get(links[0]).status_code == 403


def test_a_download_file_is_refused_with_a_message_when_empty_or_for_a_course(app, academy, ebook):
    product_id, _ = ebook
    admin = _client(app, academy.admin_email)
    r = admin.post(f"{academy.dashboard}/products/{product_id}/media/file",
                   data={"file": (io.BytesIO(b""), "empty.zip")}, content_type="multipart/form-data")
    assert r.status_code == 422 and "Choose a file to upload." in _text(r)
    r = admin.post(f"{academy.dashboard}/products/{academy.product_id}/media/file",
                   data={"file": (io.BytesIO(b"data"), "notes.txt")}, content_type="multipart/form-data")
    assert r.status_code == 422  # (the course's page offers no file form)
    with app.app_context():
        assert not db.session.get(OrgProduct, product_id).variants[0].has_download
        assert not any(v.has_download for v in db.session.get(OrgProduct, academy.product_id).variants)


# ---- renditions made in the background (Celery; in the request without a broker) -------------------

def test_the_larger_sizes_are_made_in_the_background_and_the_page_uses_the_small_one_meanwhile(
        app, academy, client, uploads, monkeypatch):
    queued = []
    monkeypatch.setattr(images, "enqueue_after_commit", lambda task, *args: queued.append((task, args)))
    admin = _client(app, academy.admin_email)
    assert _upload_cover(admin, academy, picture()).status_code == 303

    cover = _cover(app, academy)
    assert cover.widths == "320" and (cover.width, cover.height) == (1280, 640)  # the final size, for layout
    assert client.get(cover.view().url(320)).status_code == 200
    assert client.get(cover.view().url(320).replace("/320.webp", "/1280.webp")).status_code == 404

    [(task, args)] = queued
    with app.app_context():
        assert task.run(*args) == [320, 640, 1280]  # what the worker does
        db.session.commit()
    cover = _cover(app, academy)
    assert cover.widths == "320,640,1280"
    for width in (640, 1280):
        served = client.get(cover.view().url(width))
        assert served.status_code == 200 and Image.open(io.BytesIO(served.data)).size == (width, width // 2)
    assert not list(uploads.glob("private/image-uploads/*"))  # the kept upload is gone


def test_a_resize_of_an_image_replaced_meanwhile_changes_nothing(app, academy, monkeypatch):
    queued = []
    monkeypatch.setattr(images, "enqueue_after_commit", lambda task, *args: queued.append((task, args)))
    admin = _client(app, academy.admin_email)
    _upload_cover(admin, academy, picture(colour=(10, 10, 10)))
    _upload_cover(admin, academy, picture(colour=(250, 250, 250)))
    (first, first_args), _second = queued
    with app.app_context():
        assert first.run(*first_args) == []
    assert _cover(app, academy).widths == "320"

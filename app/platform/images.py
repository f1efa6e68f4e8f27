"""Uploaded images: checked, re-encoded and resized with Pillow, stored under content-hashed names.

``process_image`` is the one gate every uploaded image passes: it refuses files over
``IMAGE_MAX_MB``, files Pillow cannot read as JPEG/PNG/WebP/GIF (a text file renamed ``.png``),
and decompression bombs (more than ``MAX_PIXELS`` pixels), then applies the EXIF orientation,
drops every bit of metadata (EXIF, GPS, ICC, comments) by re-encoding the pixels only, and writes
WebP files in the widths of ``KIND_WIDTHS`` (never wider than the original).

``store_image`` saves those files through the storage interface under
``public/images/<sha256 of the upload>/<width>.webp``: the name changes whenever the content does,
so the public route (``/media/...``) serves them with ``Cache-Control: immutable`` for a year.

``OrgImage`` (table ``org_image``, cleared from the storefront cache on change) records one image
of one owner: a product's cover, an employee's avatar or a brand's logo, with its alt text and
sizes. ``images_for`` loads the images of many owners in one query as plain ``ImageView`` values
(safe for the read cache); the templates render them with ``srcset``/``sizes`` and width/height
(``im.cover`` etc., at the end of this module), or a placeholder with the name's initials where none exists.
"""

from __future__ import annotations

import functools
import hashlib
import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

import sqlalchemy as sa
from celery import shared_task
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.orm import Mapped, mapped_column

from app.db import OrgScoped, Timestamped, enum_check, enum_col, fk, id_pk
from app.errors import ValidationError
from app.extensions import db
from app.platform.storage import storage
from app.platform.tasks import enqueue_after_commit

IMAGE_KINDS = ("cover", "avatar", "logo")
# The widths each kind is stored in (what the pages use: cards ~320-640, product hero up to 1280,
# avatars 32-96 px at 1x-4x, the header logo ~40 px high).
KIND_WIDTHS: dict[str, tuple[int, ...]] = {
    "cover": (320, 640, 1280),
    "avatar": (96, 192),
    "logo": (160, 320),
}
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
MAX_PIXELS = 40_000_000  # larger (e.g. a 50,000 x 50,000 PNG of a few KB) is refused before decoding
MIN_SIDE = 16
ALT_MAX = 250
MEDIA_PREFIX = "/media/"  # the public route (app/platform/views.py) serves public/<rest> at /media/<rest>
WEBP_QUALITY = 82


@dataclass(frozen=True)
class Rendition:
    width: int
    height: int
    data: bytes


@dataclass(frozen=True)
class ProcessedImage:
    digest: str
    width: int  # of the largest rendition
    height: int
    renditions: tuple[Rendition, ...]


def max_bytes() -> int:
    return int(current_app.config.get("IMAGE_MAX_MB", 10)) * 1024 * 1024


def size_label(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def process_image(data: bytes, kind: str = "cover", *, first_only: bool = False) -> ProcessedImage:
    """Check and re-encode an upload; ValidationError with a message a person understands.
    ``first_only``: only the smallest rendition (the others are made in the background:
    ``resize_image``); ``width``/``height`` are still those of the largest one."""
    limit = max_bytes()
    if not data:
        raise ValidationError(_("Choose an image file to upload."))
    if len(data) > limit:
        raise ValidationError(_("This image is %(size)s; images may be at most %(max)d MB.",
                                size=size_label(len(data)), max=limit // (1024 * 1024)))
    unreadable = _("This file is not an image we can use. Upload a JPEG, PNG, WebP or GIF image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise Image.DecompressionBombError(f"{width}x{height}")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("This image has too many pixels; use one of at most %(mp)d megapixels.",
                                mp=MAX_PIXELS // 1_000_000)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError(unreadable) from None
    if min(image.size) < MIN_SIDE:
        raise ValidationError(_("This image is too small; use one at least %(px)d pixels wide and high.", px=MIN_SIDE))
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    image = image.convert("RGBA" if has_alpha else "RGB")
    if kind == "avatar":  # a square, centred
        side = min(image.size)
        image = ImageOps.fit(image, (side, side), method=Image.Resampling.LANCZOS)
    renditions = []
    widths = _widths(image.width, KIND_WIDTHS[kind])
    largest_width = widths[-1]
    largest_height = max(1, round(image.height * largest_width / image.width))
    for width in widths[:1] if first_only else widths:
        height = max(1, round(image.height * width / image.width))
        resized = image.resize((width, height), Image.Resampling.LANCZOS) if width != image.width else image.copy()
        resized.info = {}  # no metadata travels into the stored file
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        renditions.append(Rendition(width, height, out.getvalue()))
    return ProcessedImage(hashlib.sha256(data).hexdigest()[:32], largest_width, largest_height, tuple(renditions))


def _widths(original: int, wanted: tuple[int, ...]) -> list[int]:
    """The wanted widths below the original's, then the largest one the original allows."""
    widths = [w for w in wanted if w < original]
    top = min(original, wanted[-1])
    return sorted({*widths, top})


def store_image(data: bytes, kind: str, *, first_only: bool = False) -> tuple[str, ProcessedImage]:
    """Process and save an upload; (key prefix, processed). Saving the same content twice is a no-op."""
    processed = process_image(data, kind, first_only=first_only)
    prefix = f"public/images/{kind}/{processed.digest}"
    store = storage()
    for rendition in processed.renditions:
        key = f"{prefix}/{rendition.width}.webp"
        if not store.exists(key):
            store.save(key, rendition.data)
    return prefix, processed


def check_alt(value: str | None) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(_("Describe the image in a few words (alt text) for people who cannot see it."))
    if len(text) > ALT_MAX:
        raise ValidationError(_("Keep the alt text under %(max)d characters.", max=ALT_MAX))
    return text


def public_url(key: str) -> str:
    """The URL path of a public storage key (``public/x`` → ``/media/x``)."""
    if not key.startswith("public/"):
        raise ValueError(key)
    return MEDIA_PREFIX + key[len("public/"):]


class OrgImage(OrgScoped, Timestamped, db.Model):
    """One stored image of one owner (a product's cover, an employee's avatar, a brand's logo)."""

    __tablename__ = "org_image"
    __table_args__ = (
        enum_check("kind", IMAGE_KINDS),
        sa.CheckConstraint(
            "(CASE WHEN product_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN employee_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN brand_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_owner"),
    )

    id: Mapped[str] = id_pk()
    kind: Mapped[str] = enum_col(IMAGE_KINDS)
    product_id: Mapped[str | None] = fk("org_product.id", nullable=True, index=False, unique=True)
    employee_id: Mapped[str | None] = fk("org_employee.id", nullable=True, index=False, unique=True)
    brand_id: Mapped[str | None] = fk("org_brand.id", nullable=True, index=False, unique=True)
    key: Mapped[str] = mapped_column(sa.String(200), nullable=False)  # public/images/<kind>/<sha256>
    widths: Mapped[str] = mapped_column(sa.String(60), nullable=False)  # "320,640,1280"
    width: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # of the largest width
    height: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    alt_text: Mapped[str] = mapped_column(sa.String(ALT_MAX), nullable=False)

    def view(self) -> ImageView:
        return ImageView.of(self.key, self.widths, self.width, self.height, self.alt_text)


@dataclass(frozen=True)
class ImageView:
    """A stored image as plain values (what templates and the read cache hold)."""

    key: str
    widths: tuple[int, ...]
    width: int
    height: int
    alt: str

    @classmethod
    def of(cls, key: str, widths: str, width: int, height: int, alt: str) -> ImageView:
        """From an ``org_image`` row's values (``widths`` as stored: "320,640,1280")."""
        return cls(key=key, widths=tuple(int(w) for w in widths.split(",")), width=width, height=height, alt=alt)

    def url(self, width: int | None = None) -> str:
        return public_url(f"{self.key}/{width or self.widths[-1]}.webp")

    def src_for(self, display_width: int) -> str:
        """The smallest stored width that covers ``display_width`` (the ``src`` fallback)."""
        return self.url(next((w for w in self.widths if w >= display_width), self.widths[-1]))

    @property
    def srcset(self) -> str:
        return ", ".join(f"{self.url(w)} {w}w" for w in self.widths)

    def height_at(self, width: int) -> int:
        return max(1, round(self.height * width / self.width))


def set_image(owner: str, owner_id: str, org_id: str, kind: str, data: bytes, alt: str | None) -> OrgImage:
    """Store ``data`` as the ``kind`` image of ``owner`` (product_id | employee_id | brand_id),
    replacing any earlier one (its files stay: content-hashed names may be cached by browsers).
    The caller checks permissions and writes the audit entry.

    The upload is checked and its smallest rendition stored now; the larger ones are made by a
    Celery worker (``resize_image``, in this process without a broker) from the upload, kept
    under ``private/image-uploads/`` until then. Until it is done the pages use the small one."""
    alt_text = check_alt(alt)
    prefix, processed = store_image(data, kind, first_only=True)
    column = getattr(OrgImage, owner)
    row = db.session.scalar(sa.select(OrgImage).where(column == owner_id, OrgImage.org_id == org_id))
    if row is None:
        row = OrgImage(org_id=org_id, kind=kind, **{owner: owner_id})
        db.session.add(row)
    done = row.key == prefix and row.widths  # the same image again: already resized
    row.key = prefix
    row.width, row.height, row.alt_text = processed.width, processed.height, alt_text
    if not done:
        row.widths = ",".join(str(r.width) for r in processed.renditions)
    db.session.flush()
    if not done and processed.width > processed.renditions[-1].width:
        storage().save(_upload_key(processed.digest), data)
        enqueue_after_commit(resize_image, row.id, prefix, kind, processed.digest)
    return row


def _upload_key(digest: str) -> str:
    return f"private/image-uploads/{digest}"


@shared_task(name="platform.resize_image", bind=True, max_retries=30)
def resize_image(self, image_id: str, prefix: str, kind: str, digest: str) -> list[int]:
    """Store every rendition of an uploaded image and list them on its row (a job: commits; in the
    request without a broker, where the view commits). Waits (retries) while the request that
    stored the upload has not committed yet; does nothing if the row shows another image by now.
    Returns the widths stored."""
    row = db.session.get(OrgImage, image_id)
    if row is None:
        raise self.retry(countdown=1)  # the upload's transaction is not committed yet
    store = storage()
    if row.key != prefix or not store.exists(_upload_key(digest)):
        return []
    _prefix, processed = store_image(store.open(_upload_key(digest)).read(), kind)
    row.widths = ",".join(str(r.width) for r in processed.renditions)
    if self.request.is_eager:
        db.session.flush()
    else:
        db.session.commit()
    store.delete(_upload_key(digest))
    return [r.width for r in processed.renditions]


def image_of(owner: str, owner_id: str, org_id: str) -> OrgImage | None:
    column = getattr(OrgImage, owner)
    return db.session.scalar(sa.select(OrgImage).where(column == owner_id, OrgImage.org_id == org_id))


@functools.cache
def _images_of(owner: str):
    """Built once per owner column (prebuilt: its SQL cache key is computed once)."""
    column = getattr(OrgImage, owner)
    return sa.select(column, OrgImage.key, OrgImage.widths, OrgImage.width, OrgImage.height, OrgImage.alt_text).where(
        column.in_(sa.bindparam("ids", expanding=True))
    )


def images_for(owner: str, ids: Iterable[str]) -> dict[str, ImageView]:
    """The images of many owners (``product_id`` | ``employee_id`` | ``brand_id``): one query."""
    ids = [i for i in ids if i]
    if not ids:
        return {}
    return {row[0]: ImageView.of(*row[1:]) for row in db.session.execute(_images_of(owner), {"ids": ids})}


# ---- placeholders ---------------------------------------------------------------------------

def initials(name: str | None) -> str:
    words = [w for w in (name or "").replace("-", " ").split() if w[:1].isalnum()]
    letters = "".join(w[0] for w in words[:2]).upper()
    return letters or "?"


def placeholder_colour(name: str | None) -> str:
    """A colour derived from the name: the same product always gets the same one, and white text
    on it has at least WCAG AA contrast (HSL lightness 32 %, saturation 45 % in every hue)."""
    hue = int(hashlib.sha1((name or "").encode()).hexdigest()[:4], 16) % 360
    return f"hsl({hue}, 45%, 32%)"


# ---- markup ---------------------------------------------------------------------------------
# Stored images with srcset/sizes and width/height, and the designed placeholder (the name's
# initials on a colour derived from the name) where there is none. Every template calls them as
# ``im.cover(...)``, ``im.avatar(...)``, ``im.placeholder(...)``, ``im.picture(...)`` (the Jinja
# global ``im``; macros/images.html offers the same as macros). Python functions rather than
# macros: a catalog page draws one per card and per creator, and a macro call costs more than the
# markup itself.

@functools.lru_cache(maxsize=2048)
def picture_tag(img: ImageView, sizes: str, width: int, cls: str = "", loading: str = "lazy",
                alt: str | None = None) -> Markup:
    """An ``<img>`` of ``img`` shown ``width`` CSS pixels wide (``sizes`` for the browser's choice).
    A pure function of its arguments, remembered like ``placeholder_tag`` (a catalog page draws a
    cover per card and an avatar per creator: srcset, sizes and escaping were ~80 calls each)."""
    return Markup(
        f'<img class="{escape(cls)}" src="{escape(img.src_for(width))}" srcset="{escape(img.srcset)}"'
        f' sizes="{escape(sizes)}"\n     width="{escape(width)}" height="{escape(img.height_at(width))}"'
        f' alt="{escape(img.alt if alt is None else alt)}" loading="{escape(loading)}" decoding="async">'
    )


@functools.lru_cache(maxsize=2048)
def placeholder_tag(name: str | None, width: int = 640, height: int = 360, cls: str = "") -> Markup:
    """The placeholder of ``name``: its initials on its colour (the same name, the same picture)."""
    w, h = escape(width), escape(height)
    return Markup(
        f'<svg class="placeholder {escape(cls)}" data-placeholder viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
        f' aria-hidden="true" focusable="false"><rect width="{w}" height="{h}" fill="{escape(placeholder_colour(name))}"/>'
        '<text x="50%" y="50%" dominant-baseline="central" text-anchor="middle" fill="#fff"'
        f' font-family="system-ui, sans-serif" font-weight="700" font-size="{int(height * 0.36)}">'
        f'{escape(initials(name))}</text></svg>'
    )


def cover_tag(img: ImageView | None, name: str | None, sizes: str, width: int, cls: str = "",
              loading: str = "lazy") -> Markup:
    """A product's cover or its placeholder, in a 16:9 frame."""
    if img:
        return picture_tag(img, sizes, width, f"cover {cls}", loading)
    return placeholder_tag(name, 640, 360, f"cover {cls}")


def avatar_tag(img: ImageView | None, name: str | None, size: int = 32) -> Markup:
    """A person's avatar (square) or their initials."""
    if img:
        return picture_tag(img, f"{size}px", size, "avatar", "lazy", "")
    return placeholder_tag(name, size, size, "avatar")


# The Jinja global ``im``.
markup = SimpleNamespace(picture=picture_tag, placeholder=placeholder_tag, cover=cover_tag, avatar=avatar_tag)

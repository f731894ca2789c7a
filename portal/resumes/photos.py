"""Resume photos: only real JPEG or PNG images, re-encoded on the server without their metadata."""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from io import BytesIO

from portal.errors import RuleViolation
from portal.i18n import gettext as _

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # refuse "decompression bombs" before decoding them
MAX_SIDE = 10_000
MIN_SIDE = 60
BOX = (600, 800)  # a resume photo is small: 3:4, printed at about 25 × 35 mm
ACCEPTED_FORMATS = {"JPEG", "PNG"}


@dataclass
class Photo:
    data: bytes
    mime: str
    width: int
    height: int
    digest: str


def process(raw: bytes) -> Photo:
    """Check that the bytes are a JPEG or PNG image (by content, not by name) and re-encode them.

    The result is a fresh baseline JPEG at most BOX in size, upright, in sRGB, with no EXIF,
    GPS, ICC or comment data left from the original file.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not raw:
        raise RuleViolation(_("Choose a photo to upload."), field="photo")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise RuleViolation(_("The photo is larger than %(size)d MB. Please choose a smaller one.", size=MAX_UPLOAD_BYTES // (1024 * 1024)), field="photo")
    not_an_image = _("This file is not a JPEG or PNG photo.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(BytesIO(raw))
            if probe.format not in ACCEPTED_FORMATS:
                raise RuleViolation(not_an_image, field="photo")
            width, height = probe.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_SOURCE_PIXELS:
                raise RuleViolation(_("The photo's dimensions are too large. Please choose a smaller one."), field="photo")
            if width < MIN_SIDE or height < MIN_SIDE:
                raise RuleViolation(_("The photo is too small to print. Please choose one at least %(side)d pixels wide and high.", side=MIN_SIDE), field="photo")
            probe.verify()  # checks the file's structure; the image must be opened again afterwards
            image = Image.open(BytesIO(raw))
            image.load()
    except RuleViolation:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning, EOFError):
        raise RuleViolation(not_an_image, field="photo") from None

    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P", "PA"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    image.thumbnail(BOX, Image.Resampling.LANCZOS)
    # a new image from the pixels alone: Pillow would otherwise carry comments and profiles into the copy
    image = Image.frombytes("RGB", image.size, image.tobytes())
    out = BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    data = out.getvalue()
    return Photo(data=data, mime="image/jpeg", width=image.width, height=image.height,
                 digest=hashlib.sha256(data).hexdigest())

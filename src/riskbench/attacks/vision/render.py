"""Text drawn into PNG images with Pillow, and image references turned into data URLs.

Pillow is an optional dependency (`pip install 'riskbench[vision]'`), imported only when
an image is drawn. The font is Pillow's bundled default, so the same request gives the
same pixels on every machine; `font` names a TrueType file for scripts it lacks.
"""

from __future__ import annotations

import base64
import io
import mimetypes
import textwrap
from pathlib import Path
from typing import Any

from riskbench.errors import UsageError

WIDTH = 760
MARGIN = 24
FONT_SIZE = 28


def _pil() -> tuple[Any, Any, Any]:
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        raise UsageError("image attacks need Pillow; install it with "
                         "pip install 'riskbench[vision]'") from None
    return Image, ImageDraw, ImageFont


def render_lines(lines: list[str], *, font: str = "", size: int = FONT_SIZE,
                 width: int = WIDTH) -> bytes:
    """PNG bytes of black text on white, each line wrapped to the image width."""
    image_mod, draw_mod, font_mod = _pil()
    try:
        face = font_mod.truetype(font, size) if font else font_mod.load_default(size=size)
    except OSError:
        raise UsageError(f"cannot load the font {font!r}; give a TrueType (.ttf) file") \
            from None
    chars = max(8, int((width - 2 * MARGIN) / (size * 0.55)))
    wrapped = [part for line in lines
               for part in (textwrap.wrap(line, chars) or [""])]
    line_height = int(size * 1.35)
    height = 2 * MARGIN + line_height * max(1, len(wrapped))
    image = image_mod.new("RGB", (width, height), "white")
    draw = draw_mod.Draw(image)
    for i, line in enumerate(wrapped):
        draw.text((MARGIN, MARGIN + i * line_height), line, fill="black", font=face)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


def data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def decode_data_url(url: str) -> tuple[str, bytes]:
    """(mime type, bytes) of a base64 data URL."""
    head, sep, body = url.partition(",")
    if not (sep and head.startswith("data:") and head.endswith(";base64")):
        raise UsageError(f"not a base64 data URL: {url[:40]!r}...")
    return head[5:-7], base64.b64decode(body)


def image_reference(ref: str) -> str:
    """What an item's `meta["images"]` entry becomes on the wire: data and http(s) URLs
    as given, an image file read and inlined as a data URL."""
    if ref.startswith(("data:", "http://", "https://")):
        return ref
    path = Path(ref)
    if not path.is_file():
        raise UsageError(f"image {ref!r} not found; give a data URL, an http(s) URL or "
                         "the path of an image file")
    mime = mimetypes.guess_type(path.name)[0] or ""
    if not mime.startswith("image/"):
        raise UsageError(f"{ref!r} is not an image file (.png, .jpg, .gif, .webp)")
    return data_url(path.read_bytes(), mime)

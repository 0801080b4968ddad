"""QR codes as inline SVG (no image files, no network)."""
import io

import qrcode
import qrcode.image.svg
from markupsafe import Markup


def qr_svg(data: str, box_size: int = 8) -> Markup:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=box_size, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return Markup(svg[svg.index("<svg"):])  # drop the XML declaration to inline it

"""QR codes: inline PNG (as data URIs, so pages need no extra request and tests
can decode exactly what a phone sees), SVG and PNG downloads, and module
matrices for drawing into PDFs. Every payload is a URL of this system."""
import base64
import io

from markupsafe import Markup


def _qr(data: str, border: int = 2):
    # qrcode and Pillow (~12 MiB) load on the first QR a worker draws, not in every worker.
    import qrcode

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=border, box_size=8)
    code.add_data(data)
    code.make(fit=True)
    return code


def qr_png(data: str, box_size: int = 8) -> bytes:
    code = _qr(data)
    code.box_size = box_size
    out = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def qr_svg_bytes(data: str) -> bytes:
    import qrcode.image.svg

    out = io.BytesIO()
    _qr(data).make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    return out.getvalue()


def qr_img(data: str, size_px: int = 160, alt: str = "QR") -> Markup:
    """An <img> with the QR inline as a PNG data URI."""
    encoded = base64.b64encode(qr_png(data, box_size=6)).decode("ascii")
    return Markup(f'<img class="masklog-qr" src="data:image/png;base64,{encoded}" width="{size_px}" '
                  f'height="{size_px}" alt="{Markup.escape(alt)}">')


def qr_matrix(data: str) -> list:
    """Rows of booleans (dark modules), quiet zone included."""
    return _qr(data).get_matrix()

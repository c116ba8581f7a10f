"""What a PDF or PNG says about itself, read with maintained libraries (pypdf, Pillow):
the fonts of a PDF and whether each is embedded, the resolution stored in a PNG."""

from __future__ import annotations

from pathlib import Path


def pdf_fonts(path) -> list[dict]:
    """The fonts of a PDF: ``name``, ``subtype`` and ``embedded``.

    A font is embedded when its descriptor carries a font program (FontFile, FontFile2 =
    TrueType/Type 42, FontFile3); Type 3 fonts carry their glyphs as drawing procedures and
    count as embedded; a Type0 font is judged by its descendant (``Type0/CIDFontType2``).
    """
    from pypdf import PdfReader

    reader = PdfReader(str(Path(path)))
    seen, out = set(), []
    for page in reader.pages:
        res = page.get("/Resources")
        res = res.get_object() if res is not None else {}
        fonts = res.get("/Font")
        fonts = fonts.get_object() if fonts is not None else {}
        for ref in fonts.values():
            font = ref.get_object()
            key = id(font) if not hasattr(ref, "idnum") else ref.idnum
            if key in seen:
                continue
            seen.add(key)
            subtype = str(font.get("/Subtype", "?")).lstrip("/")
            name = str(font.get("/BaseFont", "?")).lstrip("/")
            if subtype == "Type3":
                embedded = True
            else:
                holder = font
                if subtype == "Type0":
                    holder = font["/DescendantFonts"].get_object()[0].get_object()
                    subtype = f"Type0/{str(holder.get('/Subtype', '?')).lstrip('/')}"
                desc = holder.get("/FontDescriptor")
                desc = desc.get_object() if desc is not None else {}
                embedded = any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            out.append({"name": name, "subtype": subtype, "embedded": embedded})
    return out


def png_dpi(path) -> tuple[float, float]:
    """The resolution stored in a PNG's pHYs chunk, read with Pillow."""
    from PIL import Image

    with Image.open(path) as im:
        return tuple(float(x) for x in im.info.get("dpi", (0.0, 0.0)))

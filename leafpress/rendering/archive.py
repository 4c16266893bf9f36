"""Make the tagged PDF/UA-1 file WeasyPrint writes a PDF/A-2a file as well (ISO 19005-2).

WeasyPrint writes one ``pdf_variant`` at a time. PDF/UA-1 already gives what level A
asks of the content (tags, a language, embedded fonts with Unicode); PDF/A-2 adds:

- an output intent with an RGB profile, since the pages paint in DeviceRGB (6.2.4.3).
  ``output_intent=OUTPUT_INTENT`` makes WeasyPrint embed the sRGB profile it ships
  (sRGB2014.icc, 3 KB, from the International Color Consortium, which lets it be copied
  and embedded without restriction) and write the intent, which it labels for PDF/X
  unless the variant is PDF/A: :func:`finish` labels it for PDF/A;
- the print flag on every annotation (6.3.2);
- XMP that names both standards, with the extension schema PDF/A-2 requires for the
  PDF/UA namespace, which is not one of its predefined schemas (6.6.2.3, 6.6.4).

:func:`finish` runs in WeasyPrint's ``finisher`` hook, on the objects before they are
written, so the output stays deterministic.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, fromstring, register_namespace, tostring

OUTPUT_INTENT = "srgb"  # WeasyPrint's name for its bundled sRGB profile
PDFA_PART, PDFA_CONFORMANCE, PDFUA_PART = 2, "A", 1
PRINT = 1 << 2  # annotation flag 3, "Print" (ISO 32000-1, table 165)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"
EXTENSION = {"pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
             "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
             "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#"}
for _prefix, _uri in EXTENSION.items():
    register_namespace(_prefix, _uri)
RESOURCE = {f"{{{RDF}}}parseType": "Resource"}
PACKET = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
          b'<x:xmpmeta xmlns:x="adobe:ns:meta/">', b'</x:xmpmeta>\n<?xpacket end="r"?>')


def finish(document, pdf) -> None:
    """Make ``pdf`` (WeasyPrint's objects for ``document``) a PDF/A-2a file too."""
    _label_output_intent(pdf)
    _print_annotations(pdf)
    _identify(document, pdf)


def _label_output_intent(pdf) -> None:
    intents = pdf.catalog.get("OutputIntents")
    if not intents:  # a bug: write_pdf passes OUTPUT_INTENT to WeasyPrint
        raise ValueError("WeasyPrint wrote no output intent: render with OUTPUT_INTENT")
    for intent in intents:
        intent["S"] = "/GTS_PDFA1"  # the PDF/A subtype in every part (19005-2, 6.2.3)


def _print_annotations(pdf) -> None:
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Annot":
            obj["F"] = PRINT


def _identify(document, pdf) -> None:
    """Rewrite the XMP WeasyPrint wrote for PDF/UA-1 so that it names PDF/A-2a as well.

    WeasyPrint's own generator writes the title, dates and producer, kept equal to the
    document information dictionary as PDF/A asks (6.6.3). The packet stays
    uncompressed, so that archive tools that scan files for XMP find it.
    """
    rdf = fromstring(document.metadata.generate_rdf_metadata("a", PDFA_PART, PDFA_CONFORMANCE))
    rdf.find(_tag(RDF, "Description")).set(_tag(PDFUAID, "part"), str(PDFUA_PART))
    rdf.append(_pdfua_schema())
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    metadata.stream = [PACKET[0], tostring(rdf, encoding="utf-8"), PACKET[1]]
    metadata.compress = False


def _pdfua_schema() -> Element:
    """Return the PDF/A extension schema that declares ``pdfuaid:part`` (ISO 14289-1, 5)."""
    extension, schema, prop = (EXTENSION[name] for name in EXTENSION)
    description = Element(_tag(RDF, "Description"), {_tag(RDF, "about"): ""})
    schemas = SubElement(description, _tag(extension, "schemas"))
    entry = SubElement(SubElement(schemas, _tag(RDF, "Bag")), _tag(RDF, "li"), RESOURCE)
    for name, value in (("schema", "PDF/UA Universal Accessibility Schema"),
                        ("namespaceURI", PDFUAID), ("prefix", "pdfuaid")):
        SubElement(entry, _tag(schema, name)).text = value
    properties = SubElement(SubElement(entry, _tag(schema, "property")), _tag(RDF, "Seq"))
    part = SubElement(properties, _tag(RDF, "li"), RESOURCE)
    for name, value in (("name", "part"), ("valueType", "Integer"), ("category", "internal"),
                        ("description", "Indicates which part of ISO 14289 is followed")):
        SubElement(part, _tag(prop, name)).text = value
    return description


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"

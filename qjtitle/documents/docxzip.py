"""The same .docx docxtpl writes, at zip speed: a template's changing parts rendered, the rest copied.

docxtpl opens the whole package with python-docx for every document (every part parsed into
objects), renders, and writes every part again through lxml and zipfile. For a template rendered
many times (2,000 review forms), :class:`DocxZip` does to the parts that change exactly what docxtpl
does, and copies the others:

- it is made (:func:`prepare`) from the template and from the first document docxtpl wrote with
  it: the zip members in docxtpl's order, each one's compressed bytes, and the Jinja source of each
  part docxtpl renders (body, headers, footers, document properties, footnotes), patched once by
  docxtpl's own ``patch_xml``;
- a part whose source holds no Jinja tag renders to the same text for every context, so its member
  (like the styles, fonts, numbering, theme, media and relationships) is copied as compressed bytes;
- the parts that change are rendered by the same sandboxed environment in docxtpl's order (body,
  headers, footers, properties), each render with its own budget, then finished with docxtpl's own
  steps: the ``\\n<w:p`` joins, the ``{_{`` escapes, tab/line-break/page-break runs
  (``resolve_listing``, run only on the paragraphs holding such characters: it changes nothing
  elsewhere), the lxml parse with recovery, ``fix_tables``, the ``wp:docPr`` ids, and python-docx's
  serialisation (``standalone='yes'``), then deflated as zipfile deflates;
- the zip is written directly: members in the same order, with the same headers, as Python's
  zipfile gives python-docx; only the time stamps are the time of writing.

:func:`prepare` renders the first context again this way and keeps the fast path only if every
member comes out identical to docxtpl's. It declines (the caller keeps docxtpl) a template whose
footnotes hold tags, one without document properties (python-docx would make them, dated), and a
zip it cannot copy member by member; :func:`plain` declines contexts holding docxtpl objects that add
parts to the document (``InlineImage``, ``Subdoc``). Errors are left to the caller, which renders the
same context with docxtpl to word them.
"""

from __future__ import annotations

import copy
import io
import re
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

# docxtpl's render_properties: the document properties it renders, in its order
PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")
_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_CORE_PROPERTIES = (
    "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
)
_TAGS = ("{{", "{%", "{#")  # Jinja's default delimiters (the sandbox uses them)
_LISTING = re.compile("[\t\x07\n\x0c]")  # what docxtpl's resolve_listing turns into runs
_PARAGRAPH = re.compile(r"<w:p(?: [^>]*)?>.*?</w:p>", re.DOTALL)  # its paragraph pattern
# Allowed in a context: docxtpl objects that only write text through __html__
_PLAIN_DOCXTPL = frozenset({"RichText", "RichTextParagraph", "Listing"})

_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # structCentralDir
_END = struct.Struct("<4s4H2LH")  # structEndArchive
_DATA_DESCRIPTOR = 0x08


def has_tags(source: str) -> bool:
    """Whether Jinja would do anything with ``source`` but copy it."""
    return any(tag in source for tag in _TAGS)


def plain(value: Any) -> bool:
    """Whether a context (plain dicts, lists, tuples) holds no docxtpl object that adds parts."""
    kind = type(value)
    if kind is dict:
        return all(plain(v) for v in value.values())
    if kind is list or kind is tuple:
        return all(plain(v) for v in value)
    if kind.__module__.startswith("docxtpl"):
        return kind.__name__ in _PLAIN_DOCXTPL
    return True


def resolve_listing(resolve: Callable[[str], str], xml: str) -> str:
    """docxtpl's ``resolve_listing`` (given as ``resolve``) run only on the paragraphs that hold a tab,
    ``\\a``, line or page break: the same text, since it changes nothing else, without its three
    nested regular expressions over every paragraph of a 2,000-row table."""
    if _LISTING.search(xml) is None:
        return xml

    def paragraph(m: re.Match[str]) -> str:
        text = m.group(0)
        return str(resolve(text)) if _LISTING.search(text) else text

    return _PARAGRAPH.sub(paragraph, xml)


def _jinja_source(patched: str) -> str:
    """The text docxtpl's render_xml_part hands to Jinja: one paragraph a line."""
    return re.sub(r"<w:p([ >])", r"\n<w:p\1", patched)


@dataclass(slots=True)
class _Member:
    """One zip member as docxtpl's zip holds it; ``data`` is its compressed bytes (None: rendered)."""

    info: zipfile.ZipInfo
    name: bytes
    data: bytes | None


@dataclass(slots=True)
class _Part:
    """A header or footer docxtpl renders: its member, Jinja source and encoding."""

    member: str
    source: str
    encoding: str


class DocxZip:
    """A template's parts ready to render one document after another (see the module docstring)."""

    def __init__(self, tpl: Any, env: Any, members: list[_Member], main: str) -> None:
        from docx.opc.oxml import serialize_part_xml
        from docx.oxml.parser import parse_xml

        self.tpl = tpl  # the docxtpl template, opened once: its methods and its document element
        self.env = env
        self.members = members
        self.main = main
        self.root = tpl.docx._element
        self.body = self.root.body
        self.body_source = _jinja_source(tpl.patch_xml(tpl.get_xml()))
        self.parts: list[_Part] = []
        for uri in (tpl.HEADER_URI, tpl.FOOTER_URI):
            for _key, part in tpl.get_headers_footers(uri):
                xml = tpl.get_part_xml(part)
                source = _jinja_source(tpl.patch_xml(xml))
                if has_tags(source):
                    encoding = tpl.get_headers_footers_encoding(xml)
                    self.parts.append(_Part(part.partname.membername, source, encoding))
        core = tpl.docx.core_properties
        self.properties = [(name, getattr(core, name)) for name in PROPERTIES]
        self.core: Any = None
        if any(has_tags(initial) for _name, initial in self.properties):
            core_part = tpl.docx.part.package._core_properties_part
            self.core = core_part._element
            self.core_member = core_part.partname.membername
        self.parse_xml = parse_xml
        self.serialize = serialize_part_xml

    def rendered_members(self) -> set[str]:
        names = {self.main, *(p.member for p in self.parts)}
        if self.core is not None:
            names.add(self.core_member)
        return names

    def render(self, context: dict[str, Any]) -> bytes:
        """The .docx of ``context``: what docxtpl's ``render(context, env, autoescape=True)`` and
        ``save`` would write, member for member."""
        tpl, env = self.tpl, self.env
        made: dict[str, bytes] = {}
        xml = self._finish(env.from_string(self.body_source).render(context))
        tree = tpl.fix_tables(xml)
        tpl.docx_ids_index = 1000
        tpl.fix_docpr_ids(tree)
        self.root.replace(self.body, tree)
        self.body = tree
        made[self.main] = self.serialize(self.root)
        for part in self.parts:
            xml = self._finish(env.from_string(part.source).render(context))
            made[part.member] = self.serialize(self.parse_xml(xml.encode(part.encoding)))
        if self.core is not None:
            from docx.opc.coreprops import CoreProperties

            element = copy.deepcopy(self.core)
            properties = CoreProperties(element)
            for name, initial in self.properties:
                setattr(properties, name, env.from_string(initial).render(context))
            made[self.core_member] = self.serialize(element)
        return _write_zip(self.members, made)

    def _finish(self, xml: str) -> str:
        """docxtpl's steps after Jinja (render_xml_part)."""
        xml = xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
        xml = (
            xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
        )
        return str(self.tpl.resolve_listing(xml))


def _write_zip(members: list[_Member], made: dict[str, bytes]) -> bytes:
    """The zip of ``members``, the rendered ones from ``made``, as zipfile writes it (seekable)."""
    now = time.localtime(time.time())[:6]
    dosdate = (now[0] - 1980) << 9 | now[1] << 5 | now[2]
    dostime = now[3] << 11 | now[4] << 5 | (now[5] // 2)
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for m in members:
        info = m.info
        if m.data is None:
            raw = made[info.filename]
            packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
            data = packer.compress(raw) + packer.flush()
            crc, size, packed = zlib.crc32(raw), len(raw), len(data)
        else:
            data = m.data
            crc, size, packed = info.CRC, info.file_size, info.compress_size
        header = _LOCAL.pack(
            b"PK\003\004",
            info.extract_version,
            info.reserved,
            info.flag_bits,
            info.compress_type,
            dostime,
            dosdate,
            crc,
            packed,
            size,
            len(m.name),
            len(info.extra),
        )
        out += (header, m.name, info.extra, data)
        central += (
            _CENTRAL.pack(
                b"PK\001\002",
                info.create_version,
                info.create_system,
                info.extract_version,
                info.reserved,
                info.flag_bits,
                info.compress_type,
                dostime,
                dosdate,
                crc,
                packed,
                size,
                len(m.name),
                len(info.extra),
                len(info.comment),
                0,
                info.internal_attr,
                info.external_attr,
                offset,
            ),
            m.name,
            info.extra,
            info.comment,
        )
        offset += len(header) + len(m.name) + len(info.extra) + len(data)
    directory = b"".join(central)
    end = _END.pack(b"PK\005\006", 0, 0, len(members), len(members), len(directory), offset, 0)
    return b"".join(out) + directory + end


def _members(first: bytes, rendered: set[str]) -> list[_Member] | None:
    """The members of docxtpl's zip ``first``, each with its compressed bytes unless ``rendered``;
    None when the zip is not one this module writes again (zip64, data descriptors, a comment,
    a name twice, a rendered part missing)."""
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        infos = z.infolist()
        if z.comment:
            return None
    names = [i.filename for i in infos]
    if len(set(names)) != len(names) or not rendered <= set(names):
        return None
    members = []
    for info in infos:
        if info.flag_bits & _DATA_DESCRIPTOR or info.extra or info.header_offset > 0xFFFF_FFFF:
            return None
        fields = _LOCAL.unpack_from(first, info.header_offset)
        at = info.header_offset + _LOCAL.size
        name = first[at : at + fields[10]]  # as encoded (its flag says whether UTF-8)
        start = at + fields[10] + fields[11]
        data = None if info.filename in rendered else first[start : start + info.compress_size]
        members.append(_Member(info, name, data))
    return members


def _contents(docx: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(docx)) as z:
        return [(i.filename, z.read(i)) for i in z.infolist()]


def prepare(tpl: Any, env: Any, first: bytes, context: dict[str, Any]) -> DocxZip | None:
    """The fast path for the template opened as ``tpl`` (a docxtpl template not yet rendered),
    given the document docxtpl wrote for ``context`` (``first``); None where it does not apply or
    does not give docxtpl's document back for ``context``."""
    tpl.init_docx()
    package = tpl.docx.part.package
    if not any(r.reltype == _CORE_PROPERTIES for r in package.rels.values()):
        return None  # python-docx would add document properties dated at each save
    for part in package.parts:
        if part.content_type == _FOOTNOTES:
            blob = part.blob
            text = blob.decode("utf-8") if isinstance(blob, bytes) else blob
            if has_tags(tpl.patch_xml(text)):
                return None
    main = tpl.docx.part.partname.membername
    fast = DocxZip(tpl, env, [], main)
    members = _members(first, fast.rendered_members())
    if members is None:
        return None
    fast.members = members
    try:
        again = fast.render(context)
    except Exception:  # noqa: BLE001 - the caller keeps docxtpl
        return None
    return fast if _contents(again) == _contents(first) else None

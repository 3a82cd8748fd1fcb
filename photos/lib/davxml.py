"""The WebDAV (RFC 4918) wire format the drop needs: drop paths, PROPFIND and PROPPATCH
bodies, and 207 Multi-Status answers. Pure code, no Django (photos/dav.py serves it)."""

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

DAV = "DAV:"
ET.register_namespace("D", DAV)

# What the drop keeps of a name: each one is answered for allprop.
LIVE_PROPS = (
    "displayname",
    "resourcetype",
    "getcontentlength",
    "getlastmodified",
    "creationdate",
    "getetag",
    "getcontenttype",
)
MAX_SEGMENT = 255
MAX_PATH = 1024


class DavError(Exception):
    """A request the drop refuses: an HTTP status and a sentence for the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def clean_path(raw: str | None) -> str:
    """A drop path without leading or trailing slash ("" is the drop itself). Dot
    segments, control characters and over-long names are refused, never resolved."""
    parts = [p for p in (raw or "").split("/") if p]
    for part in parts:
        if part in (".", "..") or any(not ch.isprintable() for ch in part) or "\\" in part:
            raise DavError(400, "That is not a name the drop accepts.")
        if len(part) > MAX_SEGMENT:
            raise DavError(414, "A name in the path is too long.")
    path = "/".join(parts)
    if len(path) > MAX_PATH:
        raise DavError(414, "The path is too long.")
    return path


def parent_of(path: str) -> str:
    return path.rpartition("/")[0]


def basename(path: str) -> str:
    return path.rpartition("/")[2]


def href(prefix: str, path: str, folder: bool) -> str:
    """`prefix` is the drop's URL path ("/dav/"); folders end with a slash."""
    text = prefix + quote(path, safe="/")
    return text + "/" if folder and path else text


@dataclass
class Resource:
    path: str
    folder: bool
    size: int = 0
    modified: datetime | None = None
    created: datetime | None = None
    etag: str = ""
    content_type: str = ""


@dataclass
class PropRequest:
    """What a PROPFIND asked for: every live property, only their names, or a list."""

    mode: str = "allprop"  # allprop | propname | prop
    names: list[str] = field(default_factory=list)  # Clark names, "{DAV:}getetag"


def _parse(body: bytes) -> ET.Element | None:
    if not body.strip():
        return None
    try:
        # No DTD, no entities: a PROPFIND has no use for them, a billion laughs would.
        return fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise DavError(400, "Document type declarations are not accepted.") from None
    except ET.ParseError:
        raise DavError(400, "The request body is not well-formed XML.") from None


def parse_propfind(body: bytes) -> PropRequest:
    root = _parse(body)
    if root is None:
        return PropRequest()  # RFC 4918 9.1: an empty body means allprop
    if root.tag != f"{{{DAV}}}propfind":
        raise DavError(400, "The body must be a DAV:propfind element.")
    for child in root:
        if child.tag == f"{{{DAV}}}allprop":
            return PropRequest()
        if child.tag == f"{{{DAV}}}propname":
            return PropRequest("propname")
        if child.tag == f"{{{DAV}}}prop":
            return PropRequest("prop", [prop.tag for prop in child])
    raise DavError(400, "A propfind names allprop, propname or prop.")


def parse_proppatch(body: bytes) -> list[str]:
    """The Clark names of the properties a PROPPATCH sets or removes."""
    root = _parse(body)
    if root is None or root.tag != f"{{{DAV}}}propertyupdate":
        raise DavError(400, "The body must be a DAV:propertyupdate element.")
    names = []
    for action in root:
        if action.tag in (f"{{{DAV}}}set", f"{{{DAV}}}remove"):
            for prop in action.iter(f"{{{DAV}}}prop"):
                names.extend(child.tag for child in prop)
    return names


def http_date(value: datetime) -> str:
    return format_datetime(value.astimezone(UTC), usegmt=True)


def _value(resource: Resource, name: str, el: ET.Element) -> bool:
    """Fill `el` with the live property `name` of `resource`; False if it has none."""
    if name == "displayname":
        el.text = basename(resource.path)
    elif name == "resourcetype":
        if resource.folder:
            ET.SubElement(el, f"{{{DAV}}}collection")
    elif name == "getcontentlength" and not resource.folder:
        el.text = str(resource.size)
    elif name == "getlastmodified" and resource.modified is not None:
        el.text = http_date(resource.modified)
    elif name == "creationdate" and resource.created is not None:
        el.text = resource.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    elif name == "getetag" and resource.etag:
        el.text = resource.etag
    elif name == "getcontenttype" and resource.content_type and not resource.folder:
        el.text = resource.content_type
    else:
        return False
    return True


def _propstat(response: ET.Element, props: list[ET.Element], status: str) -> None:
    if not props:
        return
    propstat = ET.SubElement(response, f"{{{DAV}}}propstat")
    prop = ET.SubElement(propstat, f"{{{DAV}}}prop")
    prop.extend(props)
    ET.SubElement(propstat, f"{{{DAV}}}status").text = f"HTTP/1.1 {status}"


def multistatus(prefix: str, resources: list[Resource], request: PropRequest) -> bytes:
    root = ET.Element(f"{{{DAV}}}multistatus")
    for resource in resources:
        response = ET.SubElement(root, f"{{{DAV}}}response")
        ET.SubElement(response, f"{{{DAV}}}href").text = href(
            prefix, resource.path, resource.folder
        )
        found, missing = [], []
        if request.mode == "prop":
            wanted = request.names
        else:
            wanted = [f"{{{DAV}}}{name}" for name in LIVE_PROPS]
        for clark in wanted:
            el = ET.Element(clark)
            local = clark[len(DAV) + 2 :] if clark.startswith(f"{{{DAV}}}") else None
            if request.mode == "propname":
                if local is not None and _value(resource, local, ET.Element(clark)):
                    found.append(el)
            elif local is not None and _value(resource, local, el):
                found.append(el)
            elif request.mode == "prop":
                missing.append(el)
        _propstat(response, found, "200 OK")
        _propstat(response, missing, "404 Not Found")
    return _document(root)


def forbidden_props(prefix: str, path: str, folder: bool, names: list[str]) -> bytes:
    """PROPPATCH's answer: the drop's properties are its own, none may be set."""
    root = ET.Element(f"{{{DAV}}}multistatus")
    response = ET.SubElement(root, f"{{{DAV}}}response")
    ET.SubElement(response, f"{{{DAV}}}href").text = href(prefix, path, folder)
    _propstat(response, [ET.Element(n) for n in names], "403 Forbidden")
    return _document(root)


def _document(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)

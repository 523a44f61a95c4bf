"""A small DOM from html.parser, enough to assert on the structure of rendered pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"input", "br", "meta", "link", "img", "hr", "path"}


@dataclass
class Node:
    """A parsed element: enough of a DOM to assert on structure."""

    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    content: list[str | Node] = field(default_factory=list)

    @property
    def children(self) -> list[Node]:
        return [part for part in self.content if isinstance(part, Node)]

    @property
    def text(self) -> str:
        parts = [part if isinstance(part, str) else part.text for part in self.content]
        return " ".join(" ".join(parts).split())

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def matches(self, tag: str | None, attrs: dict[str, str | bool]) -> bool:
        """`class_` matches one class; `True` matches any value; `data_x` means `data-x`."""
        if tag is not None and self.tag != tag:
            return False
        for key, wanted in attrs.items():
            name = key.rstrip("_").replace("_", "-")
            if name not in self.attrs:
                return False
            if name == "class" and wanted not in self.classes:
                return False
            if name != "class" and wanted is not True and self.attrs[name] != wanted:
                return False
        return True

    def find_all(self, tag: str | None = None, **attrs: str | bool) -> list[Node]:
        found = []
        for child in self.children:
            if child.matches(tag, attrs):
                found.append(child)
            found.extend(child.find_all(tag, **attrs))
        return found

    def find(self, tag: str | None = None, **attrs: str | bool) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = self.current = Node("#root", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.content.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.current.tag == tag, f"</{tag}> closes <{self.current.tag}>"
        self.current = self.current.parent

    def handle_data(self, data):
        self.current.content.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    assert builder.current is builder.root, "unclosed elements"
    return builder.root


def summary_links(html: str) -> dict[str, str]:
    """The page's error summary: anchor (without `#`) -> link text."""
    found = parse(html).find_all("ul", class_="nhsuk-error-summary__list")
    links = [a for ul in found for a in ul.find_all("a")]
    return {a.attrs["href"].lstrip("#"): a.text for a in links}

"""Text blocks of an HTML or Mallard/XML page, in document order, for paragraph alignment.

A block is the text of one paragraph-like element (p, li, headings, table cells, Mallard
title/desc).  Nested blocks split their parent, so a list item holding a <p> yields the p.
Code, screens and scripts are skipped: they are not prose and must not be translated.
"""
from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Optional

from . import text as T

BLOCK_TAGS = frozenset(
    "p li dt dd td th h1 h2 h3 h4 h5 h6 caption figcaption title desc subtitle blockquote "
    "div section note item".split()
)
SKIP_TAGS = frozenset("script style pre screen code-block synopsis head noscript info svg math".split())
# Mallard puts page metadata in <info>; HTML puts it in <head>.  Inline <code> stays: it is
# part of the sentence ("Run <code>ls</code> to ...").


@dataclass(frozen=True)
class Block:
    kind: str  # the element that holds the text, e.g. "p", "h2"
    ident: Optional[str]  # its id attribute (LibreOffice help aligns on par_id/hd_id)
    text: str


class _Extractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._stack: list[tuple[str, Optional[str]]] = []  # open blocks (kind, id)
        self._buffer: list[str] = []
        self._skip = 0

    def _flush(self) -> None:
        text = T.normalize_space("".join(self._buffer))
        self._buffer.clear()
        if text and self._stack:
            kind, ident = self._stack[-1]
            self.blocks.append(Block(kind, ident, text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag in SKIP_TAGS:
            self._skip += 1
            return
        if self._skip:
            return
        if tag in BLOCK_TAGS:
            self._flush()
            self._stack.append((tag, dict(attrs).get("id")))
        elif tag == "br":
            self._buffer.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, Optional[str]]]) -> None:
        if tag == "br" and not self._skip:
            self._buffer.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP_TAGS:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip:
            return
        if tag in BLOCK_TAGS:
            self._flush()
            # Close up to the matching open block (HTML end tags may be omitted inside).
            for i in range(len(self._stack) - 1, -1, -1):
                if self._stack[i][0] == tag:
                    del self._stack[i:]
                    break

    def handle_data(self, data: str) -> None:
        if not self._skip and self._stack:
            self._buffer.append(data)


def extract_blocks(markup: str) -> list[Block]:
    """Blocks of one page; robust to sloppy HTML (unclosed tags just end at the next block)."""
    parser = _Extractor()
    parser.feed(markup)
    parser.close()
    parser._flush()
    return parser.blocks

"""A small man(7) reader: roff source -> sections of plain-text blocks.

Good enough for prose, not a typesetter: font changes and escapes become plain characters,
paragraph macros end blocks, verbatim regions (.nf/.EX) and tables (.TS) are dropped since
they are code or layout.  mdoc(7) pages (.Sh) are not handled: the caller skips them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from . import text as T

_NAMED = {
    "em": "—", "en": "–", "hy": "-", "lq": "“", "rq": "”", "oq": "‘", "cq": "’", "aq": "'",
    "dq": '"', "Fo": "«", "Fc": "»", "fo": "‹", "fc": "›", "bu": "•", "co": "©", "rg": "®",
    "tm": "™", "dg": "†", "de": "°", "mu": "×", "di": "÷", "+-": "±", "<=": "≤", ">=": "≥",
    "!=": "≠", "->": "→", "<-": "←", "ga": "`", "ha": "^", "ti": "~", "rs": "\\", "sl": "/",
    "ul": "_", "ba": "|", "lh": "☜", "rh": "☞", "sc": "§", "ps": "¶", "Eu": "€", "eu": "€",
    "ss": "ß", ":a": "ä", ":o": "ö", ":u": "ü", ":A": "Ä", ":O": "Ö", ":U": "Ü", "'e": "é",
    "`e": "è", "^e": "ê", "'a": "á", "`a": "à", "ci": "○", "sq": "□", "lA": "⇐", "rA": "⇒",
}
_STRINGS = {"lq": "“", "rq": "”", "R": "®", "Tm": "™", "S": "", "Lq": "“", "Rq": "”"}
_ESCAPE = re.compile(
    r"\\(?:"
    r"f(?:\[[^\]]*\]|\(..|.)"  # font change
    r"|s[-+]?(?:\d|\(\d\d|\[\d+\])"  # size change
    r"|\((..)"  # named char \(xx
    r"|\[([^\]]*)\]"  # named char \[xxx]
    r"|\*(?:\((..)|\[([^\]]*)\]|(.))"  # string \*x \*(xx \*[xxx]
    r"|[kmMnVYgz](?:\(..|\[[^\]]*\]|.)"  # registers, colours: dropped
    r"|[hvwlLDNoxbXZ]'[^']*'"  # motions and such with an argument: dropped
    r"|(.))"  # a one-character escape
)
_SIMPLE = {"-": "-", "e": "\\", "\\": "\\", "&": "", "|": "", "^": "", "/": "", ",": "",
           "%": "", "c": "", "~": " ", " ": " ", "0": " ", "t": " ", "'": "'", "`": "`",
           ".": ".", "(": "(", ":": "", "{": "", "}": "", "d": "", "u": "", "p": "", "r": "", "a": ""}


def unescape(line: str) -> str:
    """Replace roff escapes in one line of text by the characters they print."""

    def sub(m: re.Match[str]) -> str:
        named = m.group(1) or m.group(2)
        if named is not None:
            if named.startswith("u") and len(named) > 1 and all(c in "0123456789ABCDEFabcdef" for c in named[1:]):
                return chr(int(named[1:], 16))
            return _NAMED.get(named, "")
        string = m.group(3) or m.group(4) or m.group(5)
        if string is not None:
            return _STRINGS.get(string, "")
        one = m.group(6)
        if one is not None:
            return _SIMPLE.get(one, "")
        return ""

    return _ESCAPE.sub(sub, line)


def _strip_comment(line: str) -> str:
    # \" starts a comment, \# too (groff); a doubled backslash is not an escape.
    i = 0
    while True:
        i = line.find("\\", i)
        if i < 0 or i + 1 >= len(line):
            return line
        if line[i + 1] in "\"#":
            return line[:i]
        i += 2


def _macro_args(rest: str) -> list[str]:
    """Split macro arguments on spaces, honouring double quotes ("" is a literal quote)."""
    args: list[str] = []
    for m in re.finditer(r'"((?:[^"]|"")*)"?|(\S+)', rest):
        args.append(m.group(1).replace('""', '"') if m.group(1) is not None else m.group(2))
    return args


@dataclass
class Section:
    title: str
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (kind, text)


_FONT_MACROS = {"B", "I", "BR", "RB", "IR", "RI", "BI", "IB", "SM", "SB", "R"}
_BREAKS = {"PP", "P", "LP", "HP", "RS", "RE", "sp", "in", "ti", "TQ", "SY", "YS", "OP", "UR", "UE", "MT", "ME"}
_VERBATIM_START = {"nf": "fi", "EX": "EE", "TS": "TE", "EQ": "EN", "PS": "PE"}


def parse_man(source: str) -> list[Section]:
    """Sections of a man(7) page, each a list of (kind, text) blocks in page order.

    Kinds: "p" (paragraph), "tag" (the term of .TP/.IP), "head" (.SS).  The kinds are what
    the aligner compares between an English page and its translation.
    """
    sections: list[Section] = [Section("")]
    current: list[str] = []
    kind = "p"
    pending_tag = False
    verbatim_end = ""

    def flush() -> None:
        text = T.normalize_space(" ".join(current))
        current.clear()
        if text:
            sections[-1].blocks.append((kind, text))

    for raw in source.splitlines():
        line = _strip_comment(raw)
        if verbatim_end:
            if line.startswith((".", "'")) and line[1:].strip().split(" ")[0] == verbatim_end:
                verbatim_end = ""
            continue
        if line.startswith((".", "'")):
            parts = line[1:].strip().split(None, 1)
            if not parts:
                continue
            name, rest = parts[0], (parts[1] if len(parts) > 1 else "")
            if name in _VERBATIM_START:
                flush()
                verbatim_end = _VERBATIM_START[name]
            elif name == "SH":
                flush()
                sections.append(Section(unescape(" ".join(_macro_args(rest))).strip()))
                kind, pending_tag = "p", False
            elif name == "SS":
                flush()
                kind = "head"
                current.append(unescape(" ".join(_macro_args(rest))))
                flush()
                kind = "p"
            elif name == "TP":
                flush()
                kind, pending_tag = "tag", True
            elif name == "IP":
                flush()
                args = _macro_args(rest)
                if args and args[0] not in ("", "\\(bu", "\\[bu]", "*", "-", "\\-", "o"):
                    kind = "tag"
                    current.append(unescape(args[0]))
                    flush()
                kind = "p"
            elif name in _BREAKS:
                flush()
                kind = "p"
            elif name in _FONT_MACROS:
                args = _macro_args(rest)
                # Alternating-font macros join their arguments without spaces.
                joiner = " " if name in ("B", "I", "SM", "SB", "R") else ""
                current.append(unescape(joiner.join(args)))
                if pending_tag:
                    flush()
                    kind, pending_tag = "p", False
            elif name == "br":
                if pending_tag:
                    continue
            # Every other request (.TH, .ad, .hy, .ds, .de ...) prints nothing we want.
            continue
        if not line.strip():
            flush()
            kind = "p"
            continue
        current.append(unescape(line))
        if pending_tag:
            flush()
            kind, pending_tag = "p", False
    flush()
    return [s for s in sections if s.blocks or s.title]


def is_mdoc(source: str) -> bool:
    """mdoc(7) pages use .Dd/.Sh/.Nm; this reader does not understand them."""
    return bool(re.search(r"^\.(?:Dd|Sh)\b", source, re.M))


def name_line(sections: list[Section]) -> tuple[str, str]:
    """(names, summary) from the NAME section ("ls \\- list directory contents")."""
    named = [s for s in sections if s.title.upper() in ("NAME", "BEZEICHNUNG")]
    for section in named[:1] or [s for s in sections if s.title][:1]:
        text = " ".join(t for _, t in section.blocks)
        for sep in (" - ", " — ", " – "):
            if sep in text:
                names, _, summary = text.partition(sep)
                return names.strip(), summary.strip()
    return "", ""

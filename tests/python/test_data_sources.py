"""Source readers on inline samples: Brown POS tags, SOTU, roff, HTML/Mallard, .mo, bible."""
import struct

from data import bible, brown, htmlblocks, mo, roff, sotu


def test_brown_strip_tag():
    assert brown.strip_tag("jury/nn") == "jury"
    assert brown.strip_tag("Atlanta's/np$") == "Atlanta's"
    assert brown.strip_tag("1/2/cd") == "1/2"
    assert brown.strip_tag("untagged") == "untagged"


def test_brown_paragraphs_detokenize():
    tagged = ("\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ,/, then/rb left/vbd ./.\n"
              "\tIt/pps rained/vbd ./.\n\n\n\tNew/jj paragraph/nn ./.\n")
    assert brown.paragraphs(tagged) == ['The jury said "no", then left. It rained.', "New paragraph."]


def test_sotu_removes_stage_directions_and_chunks():
    text = "Thank you. [Applause] We will win. [laughter] " + "More words here. " * 60
    paragraphs = sotu.paragraphs(text)
    assert "[" not in " ".join(paragraphs)
    assert paragraphs[0].startswith("Thank you. We will win.")
    assert len(paragraphs) == 2


MAN = r""".\" comment
.TH LS 1
.SH NAME
ls \- list directory contents
.SH DESCRIPTION
List information about the FILEs
(the current directory by default).
.PP
Sort entries \fBalphabetically\fP if none of
.B \-cftuvSUX
is given.
.TP
\fB\-a\fR, \fB\-\-all\fR
do not ignore entries starting with \(lq.\(rq
.nf
code here
.fi
.SS Exit status
.BR ls (1)
"""


def test_roff_parse_sections_blocks_and_escapes():
    sections = roff.parse_man(MAN)
    titles = [s.title for s in sections]
    assert titles == ["NAME", "DESCRIPTION"]
    blocks = sections[1].blocks
    assert blocks[0] == ("p", "List information about the FILEs (the current directory by default).")
    assert blocks[1] == ("p", "Sort entries alphabetically if none of -cftuvSUX is given.")
    assert blocks[2] == ("tag", "-a, --all")
    assert blocks[3] == ("p", "do not ignore entries starting with “.”")
    assert ("head", "Exit status") in blocks
    assert all("code here" not in t for _, t in blocks)
    assert blocks[-1] == ("p", "ls(1)")
    assert roff.name_line(sections) == ("ls", "list directory contents")


def test_roff_unescape_and_mdoc():
    assert roff.unescape(r"\(em\-\e\&x\[u00E4]") == "—-\\xä"
    assert roff.is_mdoc(".Dd May 1\n.Sh NAME\n")
    assert not roff.is_mdoc(MAN)


def test_html_blocks_nested_skipped_and_ids():
    html = ("<html><head><title>T</title></head><body><h1 id='hd_id1'>Title</h1>"
            "<p id='par_id2'>Run <code>ls</code> now.</p><pre>code</pre>"
            "<ul><li><p>Item one</p></li><li>Item two</li></ul><script>x</script></body></html>")
    blocks = htmlblocks.extract_blocks(html)
    assert [(b.kind, b.ident, b.text) for b in blocks] == [
        ("h1", "hd_id1", "Title"), ("p", "par_id2", "Run ls now."), ("p", None, "Item one"), ("li", None, "Item two")]


def test_mallard_blocks_skip_info():
    page = ("<page><info><desc>meta</desc></info><title>Search</title>"
            "<p>You can search. <em>Really</em>.</p><screen>$ ls</screen></page>")
    assert [b.text for b in htmlblocks.extract_blocks(page)] == ["Search", "You can search. Really."]


def _mo(entries):
    """A little-endian .mo with the given (msgid, msgstr) byte strings."""
    n = len(entries)
    header = 28
    ids_table, strs_table = header, header + 8 * n
    data_off = strs_table + 8 * n
    blob, ids, strs = b"", [], []
    for msgid, _ in entries:
        ids.append((len(msgid), data_off + len(blob)))
        blob += msgid + b"\0"
    for _, msgstr in entries:
        strs.append((len(msgstr), data_off + len(blob)))
        blob += msgstr + b"\0"
    out = struct.pack("<7I", 0x950412DE, 0, n, ids_table, strs_table, 0, 0)
    out += b"".join(struct.pack("<2I", *e) for e in ids) + b"".join(struct.pack("<2I", *e) for e in strs)
    return out + blob


def test_parse_mo_header_context_plural():
    data = _mo([(b"", b"Content-Type: text/plain"), (b"_Open", b"\xc3\x96_ffnen"),
                (b"menu\x04Quit", b"Beenden"), (b"%d file\x00%d files", b"%d Datei\x00%d Dateien"),
                (b"Untranslated", b"")])
    assert mo.parse_mo(data) == [("_Open", "Ö_ffnen"), ("Quit", "Beenden"), ("%d file", "%d Datei")]


def test_parse_mo_rejects_garbage():
    assert mo.parse_mo(b"not a catalog at all, really not") == []


IMP = """$$$[ Module Heading ]
$$$Genesis 0:0
<div type="introduction"/>An introduction.
$$$Genesis 1:1
<div sID="g1" type="x-p"/><w>In</w> <w>the</w> <w>beginning</w>, <w>God</w><w>created</w> it.<note>a note</note>
$$$Genesis 1:2
<w>The</w> <w>earth</w>,<w>was</w> empty.<div eID="g1" type="x-p"/> <div sID="g2" type="x-p"/>Next paragraph.
$$$Exodus 1:1
<title>Heading</title>Now these are the names.
"""


def test_bible_books_paragraphs():
    books = bible.books(IMP)
    assert books == [("Genesis", ["In the beginning, God created it. The earth, was empty.", "Next paragraph."]),
                     ("Exodus", ["Now these are the names."])]


def test_lm_prose_filter():
    from data.lm import prose

    keep = "This program copies the files you name to the directory you choose."
    assert prose([keep, "-a --all", "Too short.", "word " * 600,
                  "Dieses Programm kopiert die Dateien in das Verzeichnis, das Sie wählen."]) == (keep,)

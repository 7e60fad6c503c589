"""A document through liteformer-client translate keeps its layout: 20
paragraphs with lists, indentation, abbreviations, numbers and quotes come
back with the same paragraphs and lines, each sentence translated on its own
(issue 18).

The expected translation is built from liteformer-run, which translates each
line of its input whole: each hand-split sentence is translated alone and put
back in its place. The server's result must equal it exactly (results are
batch-invariant within one binary), so a sentence the splitter cut in two
(at "Dr." or "e.g.") or glued to the next would show as a different text."""
from __future__ import annotations

import json
import pathlib
import subprocess
from typing import Any

import pytest

# Each paragraph is a list of lines; each line is (verbatim prefix, its
# sentences). Sentences on one line are separated by a single space.
Line = tuple[str, list[str]]
DOCUMENT: list[list[Line]] = [
    [("", ["Installing the package takes about 3.5 minutes.", "Dr. Smith wrote the guide."])],
    [("", ["Open the file config.json in an editor.", "Then save it."])],
    [("- ", ["Mr. Brown maintains the server."]),
     ("- ", ["The backup runs at 2 a.m. every night."]),
     ("- ", ["See No. 5 in the list of known bugs."])],
    [("", ["The price rose from 1,000.50 to 1,200.75 dollars."]),
     ("", ["Version 2.4.1 fixes the crash."])],
    [("1. ", ["Download the archive."]), ("2. ", ["Unpack it."]), ("3. ", ["Run the installer."])],
    [("", ["He said \"The update is ready.\"", "Then he left."])],
    [("  ", ["Indented lines keep their indentation."]), ("  ", ["So does this one."])],
    [("", ["Write to help@example.com for support.", "The answer comes within two days."])],
    [("", ["Visit www.example.org for the manual.", "It has an index."])],
    [("", ["Use tools, e.g. a text editor, to change the settings."])],
    [("", ["The meeting is on Jan. 5 at the office."])],
    [("* ", ["Prof. Miller reviewed the code."]), ("* ", ["Fig. 3 shows the result."])],
    [("", ["Wait...", "The download is still running."])],
    [("", ["Is the disk full?", "Delete old files!"])],
    [("", ["The U.S. version differs from the European one."])],
    [("a) ", ["Check the cable."]), ("b) ", ["Restart the computer."])],
    [("", ["(The old version is no longer supported.)", "Please update."])],
    [("", ["The file has 10,000 lines.", "Each line is a record."])],
    [("", ["St. Louis is a city in the U.S. state of Missouri."])],
    [("", ["This is the last paragraph.", "Thank you for reading."])],
]


def document_text(paragraphs: list[list[list[str]]], prefixes: list[list[str]]) -> str:
    """Paragraphs joined by a blank line, lines by a line break, sentences by a space."""
    return "\n\n".join(
        "\n".join(prefix + " ".join(sentences) for prefix, sentences in zip(line_prefixes, lines))
        for line_prefixes, lines in zip(prefixes, paragraphs))


@pytest.fixture(scope="module")
def server(server_factory: Any, repo: pathlib.Path, request: pytest.FixtureRequest):
    if request.config.getoption("--sanitized"):
        pytest.skip("sentencepiece cannot share a sanitized server process with gRPC")
    model = repo / "models" / "en-de"
    if not (model / "config.json").exists():
        pytest.skip("models/en-de is missing")
    config = f'models {{ name: "en-de" path: "{model}" }}\ndrain_grace_seconds: 10\n'
    with server_factory(config, name="documents", stop_timeout=20, startup_timeout=60) as process:
        yield process


def test_a_document_keeps_its_paragraphs_lines_and_sentences(server: Any, repo: pathlib.Path,
                                                             client_binary: pathlib.Path,
                                                             engine_run: Any) -> None:
    assert len(DOCUMENT) == 20
    prefixes = [[prefix for prefix, _ in paragraph] for paragraph in DOCUMENT]
    source = document_text([[sentences for _, sentences in p] for p in DOCUMENT], prefixes)

    sentences = [s for paragraph in DOCUMENT for _, line in paragraph for s in line]
    alone = [out["hypotheses"][0]["text"]
             for out in engine_run("translate", repo / "models" / "en-de", sentences)]
    translated = iter(alone)
    expected = document_text(
        [[[next(translated) for _ in line] for _, line in paragraph] for paragraph in DOCUMENT],
        prefixes)

    result = subprocess.run([str(client_binary), "translate", "--json", f"--target={server.address}",
                             "--deadline=120", source], capture_output=True, text=True, timeout=150)
    assert result.returncode == 0, result.stderr
    got = json.loads(result.stdout.splitlines()[0])["hypotheses"][0]["text"]
    assert got.count("\n\n") == 19
    assert got.split("\n") == expected.split("\n")

"""Bad requests get the documented status and a message naming the problem;
the server keeps serving afterwards."""
from __future__ import annotations

import pathlib
from typing import Any

import grpc
import pytest

from e2e_util import assert_status, best, rpc_error
from server_process import config_text

TIMEOUT = 30.0
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture(scope="module")
def limited(server_factory: Any, data_dir: pathlib.Path):
    """Explicit limits, small enough to reach."""
    config = config_text(
        [("mt", data_dir / "lsra_dynamic_shared", True), ("lm", data_dir / "lm_tied", True)],
        batching="mode: STEP_LEVEL max_batch_size: 16 max_queue_size: 64 workers: 1 threads_per_worker: 1",
        limits="max_texts_per_request: 8 max_chars_per_text: 2000 max_beam_size: 8 "
               "max_tokens_per_sentence: 40 max_length: 300 max_sentences_per_request: 100",
        extra="drain_grace_seconds: 10")
    with server_factory(config, name="errors_limited", stop_timeout=15) as process:
        yield process


@pytest.fixture(scope="module")
def defaults(server_factory: Any, data_dir: pathlib.Path, summarization_model: pathlib.Path):
    """The limits that come from the model (max positions - 1 = 1023 tokens)."""
    config = config_text(
        [("mt", data_dir / "lsra_dynamic_shared", True), ("lm", data_dir / "lm_tied", True),
         ("sum", summarization_model, True)],
        batching="workers: 1 threads_per_worker: 1", limits="max_chars_per_text: 6000",
        extra="drain_grace_seconds: 10")
    with server_factory(config, name="errors_defaults", stop_timeout=15) as process:
        yield process


class Client:
    def __init__(self, stubs: Any, channel: grpc.Channel) -> None:
        self.pb = stubs.pb
        self.translator = stubs.pb_grpc.TranslatorStub(channel)
        self.summarizer = stubs.pb_grpc.SummarizerStub(channel)
        self.lm = stubs.pb_grpc.LanguageModelStub(channel)
        self.channel = channel

    def translate(self, texts: list[str], model: str = "", **options: Any) -> Any:
        return self.translator.Translate(self.pb.TranslateRequest(
            model=model, texts=texts, options=self.pb.DecodingOptions(**options)), timeout=TIMEOUT)

    def translate_stream(self, texts: list[str], model: str = "", **options: Any) -> list[Any]:
        return list(self.translator.TranslateStream(self.pb.TranslateRequest(
            model=model, texts=texts, options=self.pb.DecodingOptions(**options)), timeout=TIMEOUT))

    def summarize(self, texts: list[str], model: str = "", **options: Any) -> Any:
        return self.summarizer.Summarize(self.pb.SummarizeRequest(
            model=model, texts=texts, options=self.pb.DecodingOptions(**options)), timeout=TIMEOUT)

    def generate(self, prompt: str, model: str = "", max_tokens: int = 5, **options: Any) -> list[Any]:
        return list(self.lm.Generate(self.pb.GenerateRequest(
            model=model, prompt=prompt, max_tokens=max_tokens, options=self.pb.DecodingOptions(**options)),
            timeout=TIMEOUT))

    def score(self, texts: list[str], model: str = "") -> Any:
        return self.lm.Score(self.pb.ScoreRequest(model=model, texts=texts), timeout=TIMEOUT)

    def raw_unary(self, method: str, request: bytes, response_type: Any) -> Any:
        """A unary call whose request is sent as these exact bytes."""
        call = self.channel.unary_unary(method, request_serializer=None,
                                        response_deserializer=response_type.FromString)
        return call(request, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def client(stubs: Any, limited: Any) -> Client:
    return Client(stubs, limited.channel())


@pytest.fixture(scope="module")
def default_client(stubs: Any, defaults: Any) -> Client:
    return Client(stubs, defaults.channel())


def sentences_of(words_per_sentence: int, count: int, mark: str = ".") -> str:
    sentence = " ".join(f"t{i % 36}" for i in range(words_per_sentence))
    # One a line: the fixture's words are lower case, and a stop before a
    # lower-case word does not end a sentence; a line break always does.
    return "\n".join([sentence + mark] * count)


# ------------------------------------------------------------------ unknown model
@pytest.mark.parametrize("rpc", ["translate", "translate_stream", "summarize", "generate", "score"])
def test_unknown_model_is_not_found_listing_the_models(client: Client, rpc: str) -> None:
    call = {"translate": lambda: client.translate(["t1 t2"], model="nope"),
            "translate_stream": lambda: client.translate_stream(["t1 t2"], model="nope"),
            "summarize": lambda: client.summarize(["t1 t2"], model="nope"),
            "generate": lambda: client.generate("t1 t2", model="nope"),
            "score": lambda: client.score(["t1 t2"], model="nope")}[rpc]
    error = rpc_error(call)
    assert_status(error, grpc.StatusCode.NOT_FOUND, "mt", "lm")


@pytest.mark.parametrize("name,shown", [
    ("mt\n[info] forged log line", "byte 0x0a at offset 2"),
    ("m\x1b[31mred", "byte 0x1b at offset 1"),
    ("x" * 8000, "model name of 8000 bytes exceeds 128"),
    ("../../etc/passwd", "byte 0x2f at offset 2"),
], ids=["newline", "escape", "8000_bytes", "slash"])
@pytest.mark.parametrize("rpc", ["translate", "generate"])
def test_a_bad_model_name_is_refused_without_being_echoed(client: Client, limited: Any, rpc: str, name: str,
                                                          shown: str) -> None:
    call = {"translate": lambda: client.translate(["t1 t2"], model=name),
            "generate": lambda: client.generate("t1 t2", model=name)}[rpc]
    error = rpc_error(call)
    # INVALID_ARGUMENT, not RESOURCE_EXHAUSTED from a status past gRPC's metadata limit.
    assert_status(error, INVALID, shown)
    assert name not in error.details() and len(error.details()) < 300
    log = limited.log()
    assert "forged log line" not in log
    assert not [line for line in log.splitlines() if len(line) > 2000]


def test_a_long_unknown_name_is_still_not_found(client: Client) -> None:
    assert_status(rpc_error(client.translate, ["t1 t2"], model="a" * 128), grpc.StatusCode.NOT_FOUND, "mt")


def test_length_penalty_is_bounded(client: Client) -> None:
    assert len(client.translate(["t1 t2"], length_penalty=-10.0, max_length=3).results) == 1
    for value in (3e38, -3e38, 10.5):
        assert_status(rpc_error(client.translate, ["t1 t2"], length_penalty=value), INVALID,
                      "length_penalty", "must be in [-10, 10]")


def test_generate_errors_name_the_prompt(client: Client) -> None:
    error = rpc_error(client.generate, "t1 " * 45, model="lm")
    assert_status(error, INVALID, "prompt: ", "max_tokens_per_sentence")
    assert "texts[" not in error.details()


# ------------------------------------------------------------------ empty and invalid text
@pytest.mark.parametrize("texts", [[], [""], ["t1 t2", ""]], ids=["no_text", "empty_text", "one_empty_of_two"])
def test_empty_text_is_invalid(client: Client, texts: list[str]) -> None:
    assert_status(rpc_error(client.translate, texts), INVALID, "empty")
    assert_status(rpc_error(client.translate_stream, texts), INVALID, "empty")


# ------------------------------------------------------------------ priority
def test_an_undefined_priority_is_invalid(default_client: Client) -> None:
    """proto3 keeps unknown enum numbers: the server names the value and the classes."""
    client = default_client
    pb = client.pb
    calls = [
        (client.translator.Translate, pb.TranslateRequest(texts=["t1 t2"], priority=7)),
        (client.summarizer.Summarize, pb.SummarizeRequest(texts=["t1 t2"], priority=7)),
        (client.lm.Score, pb.ScoreRequest(texts=["t1 t2"], priority=7)),
        (lambda r, timeout: list(client.lm.Generate(r, timeout=timeout)),
         pb.GenerateRequest(prompt="t1", max_tokens=2, priority=7)),
    ]
    for call, request in calls:
        with pytest.raises(grpc.RpcError) as error:
            call(request, timeout=TIMEOUT)
        assert_status(error.value, INVALID, "priority = 7 is not a Priority")
    # Every defined class answers the same.
    answers = {p: best(client.translator.Translate(pb.TranslateRequest(texts=["t1 t2"], priority=p),
                                                   timeout=TIMEOUT).results[0]).text
               for p in (pb.PRIORITY_UNSPECIFIED, pb.INTERACTIVE, pb.NORMAL, pb.BULK)}
    assert len(set(answers.values())) == 1, answers


def test_score_without_text_is_invalid(client: Client) -> None:
    assert_status(rpc_error(client.score, []), INVALID, "empty")
    assert_status(rpc_error(client.score, [""]), INVALID, "empty")


def encode_request(model: str, texts: list[bytes]) -> bytes:
    """TranslateRequest / ScoreRequest wire format (model = 1, texts = 2) with raw bytes."""
    def field(number: int, payload: bytes) -> bytes:
        length, out = len(payload), bytearray()
        while True:
            byte = length & 0x7F
            length >>= 7
            out.append(byte | (0x80 if length else 0))
            if not length:
                break
        return bytes([number << 3 | 2]) + bytes(out) + payload
    return (field(1, model.encode()) if model else b"") + b"".join(field(2, t) for t in texts)


@pytest.mark.parametrize("method,response", [("/liteformer.v1.Translator/Translate", "TranslateResponse"),
                                             ("/liteformer.v1.LanguageModel/Score", "ScoreResponse")])
def test_invalid_utf8_is_invalid_argument(stubs: Any, client: Client, method: str, response: str) -> None:
    # Python refuses to serialize a str field holding invalid UTF-8, so the
    # request is encoded by hand: field 2 (texts) carrying the bytes.
    request = encode_request("", [b"t1 t2", b"t3 \xff\xfe t4"])
    error = rpc_error(client.raw_unary, method, request, getattr(stubs.pb, response))
    assert_status(error, INVALID)
    # The same encoder with valid UTF-8 is answered (the encoding is right).
    ok = client.raw_unary(method, encode_request("", [b"t1 t2"]), getattr(stubs.pb, response))
    assert len(ok.results) == 1


def test_a_malformed_message_is_unimplemented_and_harmless(stubs: Any, client: Client, limited: Any) -> None:
    # gRPC 1.51's callback API fails to parse the bytes before any handler of
    # ours runs, and answers UNIMPLEMENTED with an empty message (README's
    # errors table says so). What matters: the call ends and nothing breaks.
    for garbage in (b"\xff\xff\xff", b"\x12\x7f" + b"t" * 3):  # Bad tag; a string field cut short.
        error = rpc_error(client.raw_unary, "/liteformer.v1.Translator/Translate", garbage,
                          stubs.pb.TranslateResponse)
        assert error.code() == grpc.StatusCode.UNIMPLEMENTED, error
    limited.assert_alive()
    assert len(client.translate(["t1 t2"], max_length=3).results) == 1


# ------------------------------------------------------------------ limits
def test_max_texts_per_request(client: Client) -> None:
    assert len(client.translate(["t1 t2"] * 8, max_length=5).results) == 8
    error = rpc_error(client.translate, ["t1 t2"] * 9, max_length=5)
    assert_status(error, INVALID, "max_texts_per_request")
    assert_status(rpc_error(client.translate_stream, ["t1 t2"] * 9), INVALID, "max_texts_per_request")
    assert_status(rpc_error(client.score, ["t1 t2"] * 9), INVALID, "max_texts_per_request")


def test_max_chars_per_text(client: Client) -> None:
    text = sentences_of(10, 80)  # 10-word sentences: under max_tokens_per_sentence
    assert len(text) > 2000
    error = rpc_error(client.translate, [text], max_length=5)
    assert_status(error, INVALID, "max_chars_per_text")


def test_max_chars_per_text_counts_characters_not_bytes(client: Client) -> None:
    """max_chars_per_text limits characters: 1,679 characters that are 2,479
    UTF-8 bytes (two-byte letters, words unknown to the dictionary) pass."""
    sentence = " ".join(["é"] * 10) + "."
    text = "\n".join([sentence] * 80)
    assert len(text) < 2000 < len(text.encode())
    assert len(client.translate([text], max_length=5).results) == 1


def test_max_sentences_per_request(client: Client) -> None:
    """Sentences are counted over all texts of a request, before any work."""
    sixty = "\n".join(["t1 t2."] * 60)
    assert len(client.translate([sixty], max_length=3).results) == 1
    error = rpc_error(client.translate, [sixty, sixty], max_length=3)
    assert_status(error, INVALID, "max_sentences_per_request")
    # The limit is the configured one, not what the earlier texts left of it.
    assert_status(error, INVALID, "texts[1]: its 60 sentences bring the request to 120, "
                                  "over max_sentences_per_request = 100")


def test_max_beam_size(client: Client) -> None:
    assert len(client.translate(["t1 t2"], beam_size=8, max_length=5).results) == 1
    assert_status(rpc_error(client.translate, ["t1 t2"], beam_size=9), INVALID, "max_beam_size")
    assert_status(rpc_error(client.generate, "t1 t2", beam_size=9), INVALID, "max_beam_size")


def test_max_tokens_per_sentence_configured(client: Client) -> None:
    forty = " ".join(f"t{i % 36}" for i in range(40))
    error = rpc_error(client.translate, [forty + " t1"], max_length=5)
    assert_status(error, INVALID, "max_tokens_per_sentence")
    # The limit is per sentence: two 30-word sentences in one text are fine.
    assert len(client.translate([sentences_of(30, 2)], max_length=5).results) == 1


def test_max_tokens_per_sentence_boundary(client: Client) -> None:
    """config.proto: the default is "the model's max positions - 1", i.e. the
    limit counts a sentence's tokens without its </s>: with the limit 40 a
    40-word sentence is accepted."""
    forty = " ".join(f"t{i % 36}" for i in range(40))
    assert len(client.translate([forty], max_length=5).results) == 1


def test_max_tokens_per_sentence_from_the_model(default_client: Client) -> None:
    """The default limit is what the model allows: 1023 words (+ </s> = the
    model's max_source_positions 1024) pass, 1024 do not."""
    words = [f"t{i % 36}" for i in range(1024)]
    assert len(" ".join(words)) < 6000
    assert len(default_client.translate([" ".join(words[:1023])], max_length=5).results) == 1
    error = rpc_error(default_client.translate, [" ".join(words)], max_length=5)
    assert_status(error, INVALID, "max_tokens_per_sentence")


def test_max_length_configured(client: Client) -> None:
    assert len(client.translate(["t1 t2"], max_length=300).results) == 1
    assert_status(rpc_error(client.translate, ["t1 t2"], max_length=301), INVALID, "max_length")


def test_max_length_from_the_model(default_client: Client) -> None:
    assert_status(rpc_error(default_client.translate, ["t1 t2"], max_length=5000), INVALID, "max_length")


@pytest.mark.parametrize("beam_size", [1, 4])
def test_options_that_rule_out_every_continuation(client: Client, beam_size: int) -> None:
    # The fixture's 40-word vocabulary runs out of unrepeated words long before
    # 60 tokens, and </s> is banned until then: no hypothesis can exist.
    options = dict(beam_size=beam_size, no_repeat_ngram_size=1, min_length=60, max_length=100)
    for call in (client.translate, client.translate_stream):
        assert_status(rpc_error(call, ["t1 t2", "t3"], **options), INVALID, "no hypothesis",
                      "min_length", "no_repeat_ngram_size")
    assert_status(rpc_error(client.generate, "t1 t2", max_tokens=100, **options), INVALID, "no hypothesis")
    # The server goes on serving.
    assert len(client.translate(["t1 t2"]).results) == 1


# ------------------------------------------------------------------ not errors
def test_unknown_words_are_not_an_error(client: Client, engine_run: Any, data_dir: pathlib.Path) -> None:
    texts = ["t1 zzz t2", "qqq", "t3 t4 Ü"]
    response = client.translate(texts)
    expected = engine_run("translate", data_dir / "lsra_dynamic_shared", texts)
    for result, engine in zip(response.results, expected):
        assert best(result).text == engine["hypotheses"][0]["text"]
    assert len(client.score(["t1 zzz t2"]).results) == 1


# ------------------------------------------------------------------ wrong task
@pytest.mark.parametrize("rpc,task", [("translate", "language_modeling"), ("translate_stream", "language_modeling"),
                                      ("summarize_lm", "language_modeling"), ("generate", "translation"),
                                      ("score", "translation")])
def test_model_of_the_wrong_task(client: Client, rpc: str, task: str) -> None:
    call = {"translate": lambda: client.translate(["t1 t2"], model="lm"),
            "translate_stream": lambda: client.translate_stream(["t1 t2"], model="lm"),
            "summarize_lm": lambda: client.summarize(["t1 t2"], model="lm"),
            "generate": lambda: client.generate("t1 t2", model="mt"),
            "score": lambda: client.score(["t1 t2"], model="mt")}[rpc]
    assert_status(rpc_error(call), INVALID, task)


# ------------------------------------------------------------------ still serving
def test_a_long_document_is_summarized_from_its_beginning(default_client: Client,
                                                          engine_run: Any,
                                                          summarization_model: pathlib.Path) -> None:
    """Beyond the model's positions (1023 tokens + </s>) a document is
    truncated, as fairseq's --truncate-source, not refused or split."""
    head = " ".join(f"s{4 + i % 30}" for i in range(1023))
    document = head + ". " + " ".join(["s5"] * 200)
    result = default_client.summarize([document], max_length=6).results[0]
    expected = engine_run("summarize", summarization_model, [head], "--max-len-a", "0",
                          "--max-len-b", "6")[0]
    assert best(result).text == expected["hypotheses"][0]["text"]


def test_still_serving_after_the_errors(stubs: Any, client: Client, limited: Any, defaults: Any) -> None:
    limited.assert_alive()
    defaults.assert_alive()
    assert best(client.translate(["t1 t2 t3"]).results[0]).text
    health = stubs.health_pb2_grpc.HealthStub(client.channel)
    status = health.Check(stubs.health_pb2.HealthCheckRequest(), timeout=TIMEOUT).status
    assert status == stubs.health_pb2.HealthCheckResponse.SERVING

"""Every RPC of liteformer.v1 against the real server, with results compared to
liteformer-run (the engine's CLI) on the same fixture models; health checking
and server reflection."""
from __future__ import annotations

import pathlib
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pb2

from e2e_util import assert_status, best, rpc_error, strip_eos
from server_process import config_text

TEXTS = ["t1 t2 t3", "t5 t6 t7 t8 t9 t10", "t4", "t12 t13 t14 t15 t16 t17 t18 t19 t20 t21 t22 t23",
         "t35 t0 t34 t1", "t1 zzz t2 qqq"]  # the last has two words outside the dictionary (-> <unk>)
TIMEOUT = 30.0


@pytest.fixture(scope="module")
def server(server_factory: Any, data_dir: pathlib.Path, summarization_model: pathlib.Path):
    config = config_text(
        [("mt", data_dir / "lsra_dynamic_shared", True), ("mt2", data_dir / "transformer", False),
         ("lm", data_dir / "lm_tied", True), ("lm2", data_dir / "lm_adaptive", False),
         ("sum", summarization_model, True)],
        batching="mode: STEP_LEVEL max_batch_size: 16 max_queue_size: 64 workers: 1 threads_per_worker: 1",
        limits="max_texts_per_request: 8 max_chars_per_text: 2000 max_beam_size: 8",
        extra="drain_grace_seconds: 10")
    with server_factory(config, name="rpcs", stop_timeout=15) as process:
        yield process


@pytest.fixture(scope="module")
def channel(server: Any) -> grpc.Channel:
    return server.channel()


@pytest.fixture(scope="module")
def translator(stubs: Any, channel: grpc.Channel) -> Any:
    return stubs.pb_grpc.TranslatorStub(channel)


@pytest.fixture(scope="module")
def lm(stubs: Any, channel: grpc.Channel) -> Any:
    return stubs.pb_grpc.LanguageModelStub(channel)


def assert_same_hypotheses(result: Any, engine: dict, *, token_scores: bool = False) -> None:
    assert len(result.hypotheses) == len(engine["hypotheses"]), (result, engine)
    for got, want in zip(result.hypotheses, engine["hypotheses"]):
        assert got.text == want["text"]
        assert got.score == pytest.approx(want["score"], abs=1e-4)
        if token_scores:
            assert list(got.token_scores) == pytest.approx(want["token_scores"], abs=1e-4)


def assert_usage(usage: Any, model: str) -> None:
    assert usage.model == model
    assert usage.model_version == "1"
    assert usage.input_tokens > 0
    assert usage.output_tokens > 0
    assert usage.macs > 0
    assert usage.queue_seconds >= 0
    assert usage.compute_seconds > 0


# ------------------------------------------------------------------ health and reflection
@pytest.mark.parametrize("service", ["", "liteformer.v1.Translator", "liteformer.v1.Summarizer",
                                     "liteformer.v1.LanguageModel", "liteformer.v1.ModelService",
                                     "model/mt", "model/mt2", "model/lm", "model/lm2", "model/sum"])
def test_health_serving(stubs: Any, channel: grpc.Channel, service: str) -> None:
    health = stubs.health_pb2_grpc.HealthStub(channel)
    response = health.Check(stubs.health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
    assert response.status == stubs.health_pb2.HealthCheckResponse.SERVING


@pytest.mark.parametrize("service", ["liteformer.v1.Nope", "model/nope"])
def test_health_unknown_service_is_not_found(stubs: Any, channel: grpc.Channel, service: str) -> None:
    health = stubs.health_pb2_grpc.HealthStub(channel)
    error = rpc_error(health.Check, stubs.health_pb2.HealthCheckRequest(service=service), timeout=TIMEOUT)
    assert_status(error, grpc.StatusCode.NOT_FOUND)


def reflect(stubs: Any, channel: grpc.Channel, **fields: Any) -> Any:
    reflection = stubs.reflection_pb2_grpc.ServerReflectionStub(channel)
    request = stubs.reflection_pb2.ServerReflectionRequest(**fields)
    responses = list(reflection.ServerReflectionInfo(iter([request]), timeout=TIMEOUT))
    assert len(responses) == 1
    return responses[0]


def test_reflection_lists_services(stubs: Any, channel: grpc.Channel) -> None:
    response = reflect(stubs, channel, list_services="")
    names = {service.name for service in response.list_services_response.service}
    assert {"liteformer.v1.Translator", "liteformer.v1.Summarizer", "liteformer.v1.LanguageModel",
            "liteformer.v1.ModelService", "grpc.health.v1.Health"} <= names, names


def test_reflection_describes_translator(stubs: Any, channel: grpc.Channel) -> None:
    response = reflect(stubs, channel, file_containing_symbol="liteformer.v1.Translator")
    files = [descriptor_pb2.FileDescriptorProto.FromString(blob)
             for blob in response.file_descriptor_response.file_descriptor_proto]
    services = {(f.package, s.name): [m.name for m in s.method] for f in files for s in f.service}
    assert services.get(("liteformer.v1", "Translator")) == ["Translate", "TranslateStream"], services


# ------------------------------------------------------------------ ModelService
def test_list_models(stubs: Any, channel: grpc.Channel) -> None:
    response = stubs.pb_grpc.ModelServiceStub(channel).ListModels(stubs.pb.ListModelsRequest(), timeout=TIMEOUT)
    models = {m.name: m for m in response.models}
    assert set(models) == {"mt", "mt2", "lm", "lm2", "sum"}
    assert {name: m.task for name, m in models.items()} == {
        "mt": "translation", "mt2": "translation", "lm": "language_modeling", "lm2": "language_modeling",
        "sum": "summarization"}
    assert {name for name, m in models.items() if m.is_default} == {"mt", "lm", "sum"}
    for name, m in models.items():
        assert m.version == "1", name
        assert m.architecture, name
        assert m.parameters > 0, name
        assert m.macs_30_tokens > 0, name
        assert m.batching == "step_level", name
    assert (models["mt"].source_language, models["mt"].target_language) == ("xx", "yy")
    assert (models["lm"].source_language, models["lm"].target_language) == ("", "")


# ------------------------------------------------------------------ Translator
OPTIONS = {
    "defaults": ({}, []),
    "greedy": ({"beam_size": 1}, ["--beam", "1"]),
    "nbest": ({"beam_size": 3, "num_hypotheses": 2, "length_penalty": 1.5},
              ["--beam", "3", "--nbest", "2", "--lenpen", "1.5"]),
    "lengths": ({"beam_size": 2, "max_length": 6, "min_length": 3, "no_repeat_ngram_size": 2},
                ["--beam", "2", "--max-len-a", "0", "--max-len-b", "6", "--min-len", "3", "--no-repeat-ngram", "2"]),
}


@pytest.mark.parametrize("case", list(OPTIONS))
def test_translate_matches_engine(stubs: Any, translator: Any, engine_run: Any, data_dir: pathlib.Path,
                                  case: str) -> None:
    options, flags = OPTIONS[case]
    response = translator.Translate(stubs.pb.TranslateRequest(texts=TEXTS, options=stubs.pb.DecodingOptions(**options)),
                                    timeout=TIMEOUT)
    expected = engine_run("translate", data_dir / "lsra_dynamic_shared", TEXTS, *flags)
    assert len(response.results) == len(TEXTS)
    for result, engine in zip(response.results, expected):
        assert_same_hypotheses(result, engine)
    assert_usage(response.usage, "mt")


def test_translate_token_scores_only_when_asked(stubs: Any, translator: Any, engine_run: Any,
                                                data_dir: pathlib.Path) -> None:
    texts = TEXTS[:3]
    plain = translator.Translate(stubs.pb.TranslateRequest(texts=texts), timeout=TIMEOUT)
    assert all(len(h.token_scores) == 0 for r in plain.results for h in r.hypotheses)
    scored = translator.Translate(stubs.pb.TranslateRequest(
        texts=texts, options=stubs.pb.DecodingOptions(return_scores=True)), timeout=TIMEOUT)
    for result, engine in zip(scored.results, engine_run("translate", data_dir / "lsra_dynamic_shared", texts)):
        assert_same_hypotheses(result, engine, token_scores=True)


def test_translate_named_model(stubs: Any, translator: Any, engine_run: Any, data_dir: pathlib.Path) -> None:
    response = translator.Translate(stubs.pb.TranslateRequest(model="mt2", texts=TEXTS), timeout=TIMEOUT)
    for result, engine in zip(response.results, engine_run("translate", data_dir / "transformer", TEXTS)):
        assert_same_hypotheses(result, engine)
    assert_usage(response.usage, "mt2")


def test_translate_usage_counts_input_tokens(stubs: Any, translator: Any) -> None:
    texts = ["t1 t2 t3", "t4 t5"]
    usage = translator.Translate(stubs.pb.TranslateRequest(texts=texts), timeout=TIMEOUT).usage
    words = sum(len(t.split()) for t in texts)
    # With or without each sentence's </s>.
    assert usage.input_tokens in (words, words + len(texts)), usage


def test_translate_stream(stubs: Any, translator: Any) -> None:
    texts = TEXTS[:5]
    whole = translator.Translate(stubs.pb.TranslateRequest(texts=texts), timeout=TIMEOUT)
    # no_cache: the same texts were just translated, and a hit reports 0 MACs.
    fresh = stubs.pb.DecodingOptions(no_cache=True)
    messages = list(translator.TranslateStream(stubs.pb.TranslateRequest(texts=texts, options=fresh),
                                               timeout=TIMEOUT))
    assert sorted(m.index for m in messages) == list(range(len(texts)))
    for message in messages:
        expected = whole.results[message.index]
        assert [h.text for h in message.result.hypotheses] == [h.text for h in expected.hypotheses]
        assert best(message.result).score == pytest.approx(best(expected).score, abs=1e-4)
        assert message.usage.model == "mt"
        assert message.usage.output_tokens > 0 and message.usage.macs > 0


def test_multi_sentence_text_is_translated_sentence_by_sentence(stubs: Any, translator: Any, engine_run: Any,
                                                                data_dir: pathlib.Path) -> None:
    sentences = ["t1 t2 t3.", "t4 t5 t6 t7!", "t8 t9?", "t10 t11 t12"]
    # One a line (the fixture's words are lower case, and a stop before a
    # lower-case word does not end a sentence); the lines come back as lines.
    joined = translator.Translate(stubs.pb.TranslateRequest(texts=["\n".join(sentences)]), timeout=TIMEOUT)
    separate = translator.Translate(stubs.pb.TranslateRequest(texts=sentences), timeout=TIMEOUT)
    assert best(joined.results[0]).text == "\n".join(best(r).text for r in separate.results)
    engine = engine_run("translate", data_dir / "lsra_dynamic_shared", sentences)
    assert best(joined.results[0]).text == "\n".join(e["hypotheses"][0]["text"] for e in engine)


def test_no_split_without_whitespace_after_the_mark(stubs: Any, translator: Any, engine_run: Any,
                                                    data_dir: pathlib.Path) -> None:
    text = "t1 t2.t3 t4"
    response = translator.Translate(stubs.pb.TranslateRequest(texts=[text]), timeout=TIMEOUT)
    engine = engine_run("translate", data_dir / "lsra_dynamic_shared", [text])[0]
    assert_same_hypotheses(response.results[0], engine)


def test_multi_sentence_stream_is_reassembled(stubs: Any, translator: Any) -> None:
    texts = ["t1 t2 t3. t4 t5 t6", "t7 t8! t9 t10? t11"]
    whole = translator.Translate(stubs.pb.TranslateRequest(texts=texts), timeout=TIMEOUT)
    messages = list(translator.TranslateStream(stubs.pb.TranslateRequest(texts=texts), timeout=TIMEOUT))
    assert sorted(m.index for m in messages) == [0, 1]
    for message in messages:
        assert best(message.result).text == best(whole.results[message.index]).text


# ------------------------------------------------------------------ Summarizer
def test_summarize_uses_the_model_defaults(stubs: Any, channel: grpc.Channel, engine_run: Any,
                                           summarization_model: pathlib.Path) -> None:
    texts = TEXTS[:4]
    summarizer = stubs.pb_grpc.SummarizerStub(channel)
    response = summarizer.Summarize(stubs.pb.SummarizeRequest(texts=texts), timeout=TIMEOUT)
    expected = engine_run("summarize", summarization_model, texts)
    assert len(response.results) == len(texts)
    for result, engine in zip(response.results, expected):
        assert_same_hypotheses(result, engine)
    assert_usage(response.usage, "sum")


def test_summarize_named_model_with_options(stubs: Any, channel: grpc.Channel, engine_run: Any,
                                            summarization_model: pathlib.Path) -> None:
    texts = TEXTS[:2]
    summarizer = stubs.pb_grpc.SummarizerStub(channel)
    response = summarizer.Summarize(stubs.pb.SummarizeRequest(
        model="sum", texts=texts, options=stubs.pb.DecodingOptions(beam_size=2, max_length=8)), timeout=TIMEOUT)
    for result, engine in zip(response.results, engine_run("summarize", summarization_model, texts,
                                                           "--beam", "2", "--max-len-a", "0", "--max-len-b", "8")):
        assert_same_hypotheses(result, engine)


def test_summarize_takes_a_document_whole(stubs: Any, channel: grpc.Channel,
                                                           engine_run: Any,
                                                           summarization_model: pathlib.Path) -> None:
    """Not split into sentences, unlike Translate."""
    summarizer = stubs.pb_grpc.SummarizerStub(channel)
    document = "t1 t2 t3. t4 t5! t6 t7 t8?"
    response = summarizer.Summarize(stubs.pb.SummarizeRequest(texts=[document]), timeout=TIMEOUT)
    assert_same_hypotheses(response.results[0], engine_run("summarize", summarization_model,
                                                           [document])[0])


# ------------------------------------------------------------------ LanguageModel
def collect_generate(lm: Any, request: Any) -> tuple[str, list[int], list[Any]]:
    messages = list(lm.Generate(request, timeout=TIMEOUT))
    assert messages, "no GenerateResponse"
    assert messages[-1].finished
    assert not any(m.finished for m in messages[:-1])
    return "".join(m.text for m in messages), [i for m in messages for i in m.ids], messages


@pytest.mark.parametrize("prompt", ["t1 t2", "t5", "t30 t31 t7 t8"])
def test_generate_greedy_streams_the_engine_text(stubs: Any, lm: Any, engine_run: Any, data_dir: pathlib.Path,
                                                 prompt: str) -> None:
    text, ids, messages = collect_generate(lm, stubs.pb.GenerateRequest(
        prompt=prompt, max_tokens=12, options=stubs.pb.DecodingOptions(beam_size=1)))
    engine = engine_run("generate", data_dir / "lm_tied", [prompt], "--beam", "1", "--max-tokens", "12")[0]
    want = engine["hypotheses"][0]
    assert text.strip() == want["text"]
    assert strip_eos(ids) == strip_eos(want["ids"])
    assert messages[-1].usage.model == "lm"


def test_generate_usage(stubs: Any, lm: Any) -> None:
    _, ids, messages = collect_generate(lm, stubs.pb.GenerateRequest(
        prompt="t1 t2 t3", max_tokens=6, options=stubs.pb.DecodingOptions(beam_size=1)))
    usage = messages[-1].usage
    assert_usage(usage, "lm")
    assert usage.input_tokens in (3, 4), usage  # the prompt's tokens (with or without a </s> / <s>)
    assert usage.output_tokens in (len(strip_eos(ids)), len(strip_eos(ids)) + 1), usage


def test_generate_default_options(stubs: Any, lm: Any, engine_run: Any, data_dir: pathlib.Path) -> None:
    text, _, _ = collect_generate(lm, stubs.pb.GenerateRequest(prompt="t3 t4 t5", max_tokens=8))
    engine = engine_run("generate", data_dir / "lm_tied", ["t3 t4 t5"], "--max-tokens", "8")[0]
    assert text.strip() == engine["hypotheses"][0]["text"]


def test_generate_named_model(stubs: Any, lm: Any, engine_run: Any, data_dir: pathlib.Path) -> None:
    text, _, messages = collect_generate(lm, stubs.pb.GenerateRequest(
        model="lm2", prompt="t1 t2", max_tokens=10, options=stubs.pb.DecodingOptions(beam_size=1)))
    engine = engine_run("generate", data_dir / "lm_adaptive", ["t1 t2"], "--beam", "1", "--max-tokens", "10")[0]
    assert text.strip() == engine["hypotheses"][0]["text"]
    assert messages[-1].usage.model == "lm2"


def test_generate_sampling_same_seed_same_text(stubs: Any, lm: Any) -> None:
    def sample(seed: int) -> str:
        return collect_generate(lm, stubs.pb.GenerateRequest(
            prompt="t1 t2", max_tokens=20, options=stubs.pb.DecodingOptions(top_k=8, temperature=1.5, seed=seed)))[0]
    first = sample(7)
    assert first.strip()
    assert sample(7) == first


def test_score_matches_engine(stubs: Any, lm: Any, engine_run: Any, data_dir: pathlib.Path) -> None:
    texts = ["t1 t2", "t5 t6 t7 t8 t9", "t1 zzz"]
    response = lm.Score(stubs.pb.ScoreRequest(texts=texts), timeout=TIMEOUT)
    expected = engine_run("score", data_dir / "lm_tied", texts)
    assert len(response.results) == len(texts)
    for result, engine in zip(response.results, expected):
        assert result.log_prob == pytest.approx(engine["score"], abs=1e-4)
        assert result.num_tokens == len(engine["token_scores"])
        assert result.perplexity == pytest.approx(engine["perplexity"], rel=1e-4)
        if len(result.token_scores):
            assert list(result.token_scores) == pytest.approx(engine["token_scores"], abs=1e-4)
    assert response.usage.model == "lm"
    assert response.usage.input_tokens > 0 and response.usage.macs > 0


def test_score_named_model(stubs: Any, lm: Any, engine_run: Any, data_dir: pathlib.Path) -> None:
    response = lm.Score(stubs.pb.ScoreRequest(model="lm2", texts=["t3 t4 t5"]), timeout=TIMEOUT)
    engine = engine_run("score", data_dir / "lm_adaptive", ["t3 t4 t5"])[0]
    assert response.results[0].log_prob == pytest.approx(engine["score"], abs=1e-4)
    assert response.usage.model == "lm2"


def test_server_still_serving_after_module(stubs: Any, channel: grpc.Channel, server: Any) -> None:
    server.assert_alive()
    health = stubs.health_pb2_grpc.HealthStub(channel)
    assert health.Check(stubs.health_pb2.HealthCheckRequest(), timeout=TIMEOUT).status == \
        stubs.health_pb2.HealthCheckResponse.SERVING

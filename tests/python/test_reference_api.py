"""api.py and reference_run.py on small random models saved as model directories."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from liteformer_ref import api
from liteformer_ref.model_dir import load_model, save_model
from liteformer_ref.random_model import random_model
from liteformer_ref.search import SearchOptions

import reference_run

ROOT = Path(__file__).resolve().parents[2]
EOS = 2


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory) -> dict[str, Path]:
    out = {}
    for variant in ("lsra_dynamic_shared", "lsra_lightweight_separate", "lm_adaptive", "lm_tied"):
        rm = random_model(variant, seed=7)
        path = tmp_path_factory.mktemp(variant)
        save_model(path, rm.model, rm.config, rm.dicts)
        out[variant] = path
    return out


@pytest.fixture(scope="module")
def mt(model_dirs):
    return load_model(model_dirs["lsra_dynamic_shared"])


@pytest.fixture(scope="module")
def lm(model_dirs):
    return load_model(model_dirs["lm_adaptive"])


SOURCES = [[4, 5, 6, 7], [9], [12, 11, 10, 9, 8, 7, 6]]


def test_translate_scores_agree_with_teacher_forcing(mt):
    options = SearchOptions(beam_size=3, nbest=3, length_penalty=0.6, max_len_b=8)
    macs: list[int] = []
    results = api.translate(mt, SOURCES, options, macs_out=macs)
    assert len(results) == 3 and len(macs) == 3 and all(m > 0 for m in macs)
    for source, hyps in zip(SOURCES, results):
        assert len(hyps) == 3
        assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
        for h in hyps:
            assert h.tokens[-1] == EOS and len(h.tokens) <= 9
            [r] = api.score(mt, [(source, h.tokens[:-1])])
            # incremental search scores == full teacher-forced log-probs (fp32 noise only)
            assert h.token_scores == pytest.approx(r.token_scores, abs=1e-4)
            assert h.score == pytest.approx(r.log_prob / len(h.tokens) ** 0.6, abs=1e-4)


def test_translate_is_per_sentence(mt):
    options = SearchOptions(beam_size=2, nbest=2, max_len_b=6)
    together = api.translate(mt, SOURCES, options)
    for source, hyps in zip(SOURCES, together):
        [alone] = api.translate(mt, [source], options)
        assert [(h.tokens, h.score) for h in alone] == [(h.tokens, h.score) for h in hyps]


def test_translate_beam_one_is_greedy_and_max_len_from_source(mt):
    options = SearchOptions(beam_size=1, max_len_a=1.0, max_len_b=1)
    for source, [h] in zip(SOURCES, api.translate(mt, SOURCES, options)):
        assert len(h.tokens) <= (len(source) + 1) + 1 + 1  # max_len = src_len_with_eos + 1, plus </s>
    sampled = api.translate(mt, SOURCES, SearchOptions(sampling=True, top_k=1, max_len_b=6))
    greedy = api.translate(mt, SOURCES, SearchOptions(beam_size=1, max_len_b=6))
    assert [[h.tokens for h in x] for x in sampled] == [[h.tokens for h in x] for x in greedy]


def test_generate_continues_the_prompt(lm):
    prompt = [10, 30, 50]
    options = SearchOptions(beam_size=2, nbest=2, min_len=2)
    macs: list[int] = []
    [hyps] = api.generate(lm, [prompt], options, max_tokens=6, macs_out=macs)
    assert macs[0] > 0
    for h in hyps:
        assert 3 <= len(h.tokens) <= 7 and h.tokens[-1] == EOS
        [r] = api.score(lm, [(None, prompt + h.tokens[:-1])])
        assert h.token_scores == pytest.approx(r.token_scores[len(prompt):], abs=1e-4)
    [[s1]] = api.generate(lm, [prompt], SearchOptions(sampling=True, seed=5, top_p=0.9), max_tokens=10)
    [[s2]] = api.generate(lm, [prompt], SearchOptions(sampling=True, seed=5, top_p=0.9), max_tokens=10)
    assert s1 == s2
    [[empty_prompt]] = api.generate(lm, [[]], SearchOptions(beam_size=1), max_tokens=4)
    assert 1 <= len(empty_prompt.tokens) <= 5


def test_generate_keeps_the_end_of_a_prompt_too_long_for_the_positions(lm):
    limit = lm.config.max_target_positions
    dropped: list[int] = []
    [hyps] = api.generate(lm, [[5] * limit], SearchOptions(beam_size=1), max_tokens=4, dropped_out=dropped)
    assert dropped == [limit - (limit - 1 - 4)]
    assert 1 <= len(hyps[0].tokens) <= 4 + 1  # and </s>


def test_request_errors(mt, lm):
    with pytest.raises(api.RequestError, match="outside the vocabulary"):
        api.translate(mt, [[4, 400]], SearchOptions(beam_size=1))
    with pytest.raises(api.RequestError, match="pad"):
        api.translate(mt, [[4, 1]], SearchOptions(beam_size=1))
    with pytest.raises(api.RequestError, match="source 1"):
        api.translate(mt, [[4], [2]], SearchOptions(beam_size=1))
    with pytest.raises(api.RequestError, match="language model"):
        api.translate(lm, [[4]], SearchOptions(beam_size=1))
    with pytest.raises(api.RequestError, match="needs a source"):
        api.score(mt, [(None, [4])])


def test_resolve_options_uses_config_defaults(mt):
    options, max_tokens = api.resolve_options(mt.config.decoding, api.OptionOverrides())
    assert (options.beam_size, options.length_penalty, max_tokens) == (4, 0.6, 50)
    options, _ = api.resolve_options(mt.config.decoding, api.OptionOverrides(beam_size=1, length_penalty=0.0))
    assert (options.beam_size, options.nbest, options.length_penalty) == (1, 1, 0.0)
    with pytest.raises(api.RequestError, match="nbest"):
        api.resolve_options(mt.config.decoding, api.OptionOverrides(beam_size=2, nbest=3))


def cli(argv: list[str], text: str) -> tuple[int, list[str], str]:
    out, err = io.StringIO(), io.StringIO()
    status = reference_run.run(argv, io.StringIO(text), out, err)
    return status, out.getvalue().splitlines(), err.getvalue()


def test_cli_translate_json_matches_api(mt, model_dirs):
    status, lines, err = cli(["translate", "--model", str(model_dirs["lsra_dynamic_shared"]), "--ids", "--json",
                              "--beam", "3", "--nbest", "2", "--max-len-b", "5"], "4 5 6 7\n9\n")
    assert status == 0 and err == "" and len(lines) == 2
    expected = api.translate(mt, [[4, 5, 6, 7], [9]], SearchOptions(beam_size=3, nbest=2, max_len_b=5,
                                                                     length_penalty=0.6))
    for line, hyps in zip(lines, expected):
        data = json.loads(line)
        assert data["macs"] > 0
        assert [h["ids"] for h in data["hypotheses"]] == [h.tokens for h in hyps]
        assert [h["score"] for h in data["hypotheses"]] == [h.score for h in hyps]
        assert data["hypotheses"][0]["text"] == mt.target_dict.string(hyps[0].tokens)


def test_cli_bad_lines_continue_and_fail_at_the_end(model_dirs):
    status, lines, err = cli(["translate", "--model", str(model_dirs["lsra_dynamic_shared"]), "--ids",
                              "--beam", "1", "--max-len-b", "3"], "4 5\nx 5\n4 999\n6\n")
    assert status == 1 and len(lines) == 4
    assert lines[1] == "" and lines[2] == "" and lines[0] and lines[3]
    assert err.splitlines() == ["line 2: 'x' is not an integer id",
                                "line 3: source: id 999 outside the vocabulary [0, 40)"]


def test_cli_score_and_generate(lm, model_dirs):
    lm_dir = str(model_dirs["lm_adaptive"])
    status, lines, _ = cli(["score", "--model", lm_dir, "--json"], "t3 t7 t1\n")
    assert status == 0
    data = json.loads(lines[0])
    [r] = api.score(lm, [(None, [lm.target_dict.index(t) for t in ("t3", "t7", "t1")])])
    assert data == {"token_scores": r.token_scores, "score": r.log_prob, "perplexity": r.perplexity}
    status, lines, _ = cli(["generate", "--model", lm_dir, "--max-tokens", "4", "--sampling", "--seed", "9",
                            "--topk", "5"], "t3 t7\nt3 t7\n")
    assert status == 0 and lines[0] == lines[1] and 1 <= len(lines[0].split()) <= 4
    mt_dir = str(model_dirs["lsra_lightweight_separate"])
    status, lines, err = cli(["score", "--model", mt_dir, "--ids"], "4 5\t6 7 8\n4 5 6\n")
    assert status == 1 and len(lines[0].split("\t")) == 2 and lines[1] == "" and "TAB" in err


def test_cli_refuses_wrong_task_and_missing_model(model_dirs, tmp_path):
    status, _, err = cli(["generate", "--model", str(model_dirs["lsra_dynamic_shared"])], "4\n")
    assert status == 2 and "generate is not available" in err
    status, _, err = cli(["translate", "--model", str(tmp_path)], "4\n")
    assert status == 2 and "config.json" in err


def test_cli_subprocess_exit_status(model_dirs):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "reference_run.py"), "translate", "--model",
                           str(model_dirs["lsra_dynamic_shared"]), "--ids", "--beam", "2", "--max-len-b", "3"],
                          input="4 5 6\n4 1\n", capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert len(proc.stdout.splitlines()) == 2 and proc.stderr.startswith("line 2: ")


def test_sentencepiece_text_round_trip(tmp_path):
    sentencepiece = pytest.importorskip("sentencepiece")
    corpus = tmp_path / "corpus.txt"
    words = ["alpha", "beta", "gamma", "delta", "apple", "banana", "cherry", "date"]
    corpus.write_text("\n".join(" ".join(words[(i * 3 + j) % 8] for j in range(5)) for i in range(40)) + "\n")
    sentencepiece.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "spm"), vocab_size=30,
                                             model_type="bpe", minloglevel=2)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(tmp_path / "spm.model"))
    rm = random_model("lsra_dynamic_shared", seed=3)
    from liteformer_ref.dictionary import Dictionary

    pieces = [sp.id_to_piece(i) for i in range(sp.get_piece_size()) if not sp.is_control(i) and not sp.is_unknown(i)]
    d = Dictionary.from_tokens(pieces)
    i = 0
    while len(d) < rm.config.vocab.target_size:
        d.add_symbol(f"madeupword{i:04d}", 0)
        i += 1
    rm.config.vocab.sentencepiece = "spm.model"
    rm.dicts.target = rm.dicts.source = d
    save_model(tmp_path / "model", rm.model, rm.config, rm.dicts, sentencepiece_model=tmp_path / "spm.model")
    loaded = load_model(tmp_path / "model")
    codec = api.TextCodec(loaded)
    ids = codec.encode_source("banana cherry alpha")
    assert 3 not in ids and codec.decode(ids) == "banana cherry alpha"
    status, lines, _ = cli(["translate", "--model", str(tmp_path / "model"), "--beam", "2", "--max-len-b", "4",
                            "--json"], "banana cherry alpha\n")
    assert status == 0
    hyp = json.loads(lines[0])["hypotheses"][0]
    assert hyp["text"] == codec.decode(hyp["ids"])

"""Request text never reaches the log at info level (issue 17, security
basics): neither a served text, nor a prompt, nor the text of a call that
failed; only what the server itself decided (model names, statuses) does."""
from __future__ import annotations

import pathlib
from typing import Any

import grpc

from e2e_util import rpc_error
from server_process import config_text

TIMEOUT = 30.0
SECRET = "t7 t11 t13 t17"  # Fixture words; a pattern no log line has otherwise.


def test_request_text_is_not_logged_at_info_level(stubs: Any, server_factory: Any,
                                                  data_dir: pathlib.Path) -> None:
    config = config_text([("mt", data_dir / "lsra_dynamic_shared", True), ("lm", data_dir / "lm_tied", True)],
                         limits="max_chars_per_text: 40", extra="drain_grace_seconds: 5")
    with server_factory(config, name="log_privacy", stop_timeout=15,
                        extra_args=["--log_level=info"]) as server:
        channel = server.channel()
        translator = stubs.pb_grpc.TranslatorStub(channel)
        lm = stubs.pb_grpc.LanguageModelStub(channel)
        translator.Translate(stubs.pb.TranslateRequest(texts=[SECRET]), timeout=TIMEOUT)
        list(lm.Generate(stubs.pb.GenerateRequest(prompt=SECRET, max_tokens=3), timeout=TIMEOUT))
        lm.Score(stubs.pb.ScoreRequest(texts=[SECRET]), timeout=TIMEOUT)
        # Failed calls are logged (rate-limited): their texts must not be.
        too_long = " ".join([SECRET] * 5)
        error = rpc_error(translator.Translate, stubs.pb.TranslateRequest(texts=[too_long]), timeout=TIMEOUT)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        error = rpc_error(translator.Translate, stubs.pb.TranslateRequest(
            texts=[SECRET], options=stubs.pb.DecodingOptions(beam_size=999)), timeout=TIMEOUT)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        log = server.log_tail(10_000)
        assert "failed" in log or "INVALID_ARGUMENT" in log, "the failed calls were not logged at all"
    assert SECRET not in server.log()
    assert "t7 t11" not in server.log()

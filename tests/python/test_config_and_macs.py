from __future__ import annotations

import copy

import pytest

from liteformer_ref.config import ModelConfig
from liteformer_ref.errors import ModelFormatError
from liteformer_ref.macs import count_macs, count_parameters, wmt_config
from liteformer_ref.random_model import VARIANTS, variant_config


@pytest.mark.parametrize("variant", VARIANTS)
def test_config_json_round_trip(variant: str) -> None:
    config = variant_config(variant)
    assert ModelConfig.from_json(config.to_json()) == config


@pytest.mark.parametrize("edit,field", [
    (lambda d: d.pop("arch"), "'arch': missing"),
    (lambda d: d.update(format_version=2), "'format_version'"),
    (lambda d: d["decoder"].update(layers="6"), "'decoder.layers': expected an integer"),
    (lambda d: d["encoder"]["conv"].update(type="fancy"), "'encoder.conv.type'"),
    (lambda d: d["encoder"]["conv"].update(kernel_sizes=[4, 5]), "'encoder.conv.kernel_sizes'"),
    (lambda d: d["decoder"].update(cross_attention_heads=5), "'decoder.cross_attention_heads'"),
    (lambda d: d["decoder"].update(embed_dim=64), "'decoder.embed_dim'"),
    (lambda d: d["vocab"].update(source_size=48), "'vocab.source_size'"),
    (lambda d: d.update(share_decoder_input_output_embed=False), "'share_decoder_input_output_embed'"),
    (lambda d: d["decoding"].update(nbest=9), "'decoding.nbest'"),
    (lambda d: d["vocab"].update(target="../etc/passwd"), "'vocab.target'"),
    (lambda d: d.update(special_tokens={"bos": 1, "pad": 0, "eos": 2, "unk": 3}), "'special_tokens'"),
    (lambda d: d.update(extra=1), "'extra': unknown field"),
])
def test_config_refusals_name_the_field(edit, field: str) -> None:  # type: ignore[no-untyped-def]
    data = copy.deepcopy(variant_config("lsra_dynamic_shared").to_json())
    edit(data)
    with pytest.raises(ModelFormatError) as info:
        ModelConfig.from_json(data, file="m/config.json")
    assert str(info.value).startswith("m/config.json: ") and field in str(info.value)


def test_lm_config_refusals() -> None:
    data = variant_config("lm_adaptive").to_json()
    data["adaptive_input"]["cutoffs"] = [40, 20]
    with pytest.raises(ModelFormatError, match="adaptive_input.cutoffs"):
        ModelConfig.from_json(data)


@pytest.mark.parametrize("width,macs,params", [(200, 90e6, 2.88e6), (408, 360e6, 11.74e6), (496, 527e6, 17.28e6)])
def test_published_mult_adds_and_parameters(width: int, macs: float, params: float) -> None:
    config = wmt_config(width)
    config.validate()
    count = count_macs(config, 30, 30)
    assert abs(count.total - macs) / macs < 0.005
    assert abs(count_parameters(config) - params) / params < 0.002
    assert count.total_with_output_projection == count.total + 30 * width * 32768

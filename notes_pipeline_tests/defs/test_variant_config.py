"""The render variant's fields are listed once (RenderVariant): the run config of `approved_script` follows them."""

import dagster as dg
import pytest

from notes_pipeline.defs.review.assets import RenderVariantConfig, approved_script, variant_run_config
from notes_pipeline.domain.models import AspectRatio
from notes_pipeline.domain.variants import RenderVariant


def test_the_run_config_has_the_variants_fields_and_their_descriptions():
    fields = approved_script.op.config_schema.config_type.fields
    assert list(fields) == list(RenderVariant.model_fields) == ["language", "aspect_ratio", "resolution", "voice"]
    for name, field in fields.items():
        assert not field.is_required
        assert field.description and field.description == RenderVariant.model_fields[name].description
    assert fields["aspect_ratio"].description == "'16:9', '9:16' or '1:1'"


def test_a_variants_run_config_is_accepted_by_the_job_and_reads_back_as_the_same_variant():
    from notes_pipeline.definitions import defs

    variant = RenderVariant(language="hi", aspect_ratio=AspectRatio.VERTICAL, resolution=480)
    config = variant_run_config(variant)
    assert config == {
        "ops": {"approved_script": {"config": {"language": "hi", "aspect_ratio": "9:16", "resolution": 480}}}
    }
    job = defs.resolve_job_def("notes_video")
    validated = dg.validate_run_config(job, config)
    read_back = RenderVariantConfig(**validated["ops"]["approved_script"]["config"]).variant()
    assert read_back == variant
    assert variant_run_config(RenderVariant()) == {"ops": {"approved_script": {"config": {}}}}


def test_a_bad_value_passes_the_run_config_and_is_refused_by_the_variant():
    config = RenderVariantConfig(aspect_ratio="4:3")  # the launchpad takes any text; the variant says what is wrong
    with pytest.raises(ValueError, match="aspect_ratio"):
        config.variant()

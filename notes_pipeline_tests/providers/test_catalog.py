"""Each provider's secrets are declared once, on its class: the catalogue reads them without importing,
and the secrets list, the registry, the resource and the narration kind tags are all derived from it."""

from __future__ import annotations

import importlib
import logging

import dagster as dg
import pytest

from notes_pipeline.defs.media.assets import scene_narration
from notes_pipeline.defs.resources import ProvidersResource
from notes_pipeline.providers.catalog import ProviderDeclarationError, _declarations, declared_providers
from notes_pipeline.providers.config import CONFIG_ENV_VAR, OTHER_SECRETS, SECRET_ENV_VARS, Secrets, load_config
from notes_pipeline.providers.registry import ProviderRegistry, narration_kinds


def test_the_catalogue_reads_what_python_sees_on_each_class():
    providers = declared_providers()
    for declaration in providers.values():
        package, file = declaration.module.split("/")
        module = importlib.import_module(f"notes_pipeline.providers.{package}.{file.removesuffix('.py')}")
        cls = getattr(module, declaration.class_name)
        assert (cls.name, cls.needs) == (declaration.name, declaration.needs)
    assert {name for name, d in providers.items() if d.offline} == {"local", "espeak", "slides"}
    assert providers["google"].needs == (("google_tts_api_key",), ("google_application_credentials",))


def test_every_provider_the_shipped_chains_name_is_declared():
    registry = ProviderRegistry(load_config(), Secrets())
    named = {name for names in registry.chains().values() for name in names}
    assert named and named <= set(declared_providers())


def test_a_provider_secret_comes_from_its_field_in_capitals_and_the_others_from_one_table():
    provider_fields = {f for d in declared_providers().values() for option in d.needs for f in option}
    assert provider_fields and not provider_fields & set(OTHER_SECRETS)
    assert SECRET_ENV_VARS == {**{f: f.upper() for f in provider_fields}, **OTHER_SECRETS}
    # The variables deployments already set keep their names.
    assert SECRET_ENV_VARS["hf_token"] == "HF_TOKEN"
    assert SECRET_ENV_VARS["google_oauth"] == "NOTES_PIPELINE_GOOGLE_OAUTH"
    assert len(SECRET_ENV_VARS) == 23


def test_a_new_provider_module_is_found_by_its_declaration_alone():
    source = (
        'class PollyNarrator:\n    """An example."""\n\n    name = "polly"\n    needs = (("polly_api_key",),)\n\n'
        '    def synthesize(self):\n        needs = "a local variable, not a declaration"\n\n'
        'class Helper:\n    name = "not a provider: no needs"\n'
    )
    (polly,) = _declarations("tts/polly.py", source)
    assert (polly.name, polly.needs, polly.class_name, polly.offline) == (
        "polly",
        (("polly_api_key",),),
        "PollyNarrator",
        False,
    )


@pytest.mark.parametrize(
    "body, problem",
    [
        ('    name = "x"\n    needs = (\n        ("x_key",),\n    )\n', "one-line literals"),
        ('    name = "x"\n    needs = ("x_key",)\n', "tuple of tuples"),
        ('    needs = (("x_key",),)\n', "one-line literals"),
        ("    name = NAME\n    needs = ()\n", "one-line literals"),
    ],
)
def test_a_declaration_the_catalogue_cannot_read_is_a_clear_error(body, problem):
    with pytest.raises(ProviderDeclarationError, match=rf"tts/x\.py class X: .*{problem}"):
        _declarations("tts/x.py", f"class X:\n{body}")


def test_secrets_refuse_unknown_fields_and_never_show_a_value():
    secrets = Secrets.from_values({"gemini_api_key": "v4lue-1", "hf_token": "", "google_oauth": "v4lue-2"})
    assert secrets.value("gemini_api_key") == "v4lue-1" and secrets.value("hf_token") is None
    assert sorted(secrets.present()) == ["v4lue-1", "v4lue-2"]
    assert "v4lue" not in repr(secrets) and "v4lue" not in str(secrets.model_dump())
    with pytest.raises(ValueError, match="unknown secrets \\['polly_api_key'\\]"):
        Secrets.from_values({"polly_api_key": "x"})
    with pytest.raises(KeyError, match="polly_api_key"):
        secrets.value("polly_api_key")


def test_the_resource_resolves_the_bound_variables_at_run_time(monkeypatch):
    for var in SECRET_ENV_VARS.values():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NOTES_PIPELINE_GOOGLE_OAUTH", '{"refresh": "r3fresh"}')
    resource = ProvidersResource.from_environment(database_url=None)
    assert resource.secrets == {"google_oauth": "NOTES_PIPELINE_GOOGLE_OAUTH"}
    with dg.build_resources({"providers": resource}) as built:
        assert built.providers.get_secrets().value("google_oauth") == '{"refresh": "r3fresh"}'


def test_the_narration_kinds_are_the_narrators_that_run_here(monkeypatch, tmp_path, caplog):
    monkeypatch.delenv(CONFIG_ENV_VAR, raising=False)
    assert narration_kinds({}) == {"espeak"}
    assert narration_kinds({"ELEVENLABS_API_KEY": "k"}) == {"elevenlabs", "espeak"}
    assert narration_kinds({"GOOGLE_APPLICATION_CREDENTIALS": "/sa.json"}) == {"google", "espeak"}
    broken = tmp_path / "providers.yaml"
    broken.write_text("narration: [unclosed\n")
    monkeypatch.setenv(CONFIG_ENV_VAR, str(broken))
    with caplog.at_level(logging.WARNING):
        assert narration_kinds({}) == {"espeak"}  # the code location still loads; the run names the file
    assert "providers.yaml is not valid YAML" in caplog.text


def test_the_narration_asset_is_tagged_with_the_narrators_of_the_environment_it_loaded_in():
    (spec,) = scene_narration.specs
    assert spec.kinds == narration_kinds()

from semax.models import registry


def test_kind_defaults_survive_unset_options(tiny_data):
    cfg = registry.config_for("sema", tiny_data, beta=None, lam=None, dropout=None)
    assert cfg.beta == 1.0 and not cfg.related_task
    assert registry.config_for("semax-notext", tiny_data, beta=None).use_text is False


def test_options_override_kind_defaults(tiny_data):
    assert registry.config_for("semax", tiny_data, beta=0.7).beta == 0.7
    assert registry.config_for("semax", tiny_data).beta == 0.4


def test_configs_are_sized_for_the_data(tiny_data):
    cfg = registry.config_for("semax", tiny_data)
    assert (cfg.n_words, cfg.n_users, cfg.n_items) == (
        len(tiny_data.vocab),
        len(tiny_data.users),
        len(tiny_data.items),
    )
    assert cfg.global_mean == tiny_data.global_mean


def test_every_kind_builds(tiny_data):
    for name in registry.kind_names():
        assert registry.build(name, registry.config_for(name, tiny_data)) is not None


def test_a_bundle_saved_before_the_closed_form_base_loads_with_a_learned_base(tiny_data):
    saved = registry.config_for("semax", tiny_data).to_dict()
    del saved["base"]  # older bundles have no `base` field
    assert registry.config_from_dict("semax", saved).base == "learned"
    assert registry.config_for("semax", tiny_data).base == "rolling"  # today's default


def test_a_bundle_saved_before_rating_ids_loads_with_u_and_v_in_eq_15(tiny_data):
    saved = registry.config_for("semax", tiny_data).to_dict()
    del saved["rating_ids"]  # bundles saved before the field read u and v in r_uv
    old = registry.config_from_dict("semax", saved)
    assert old.rating_ids is True
    assert registry.build("semax", old).feature.in_features == 2 * old.d_factor + 2 * old.d_text
    assert registry.config_for("semax", tiny_data).rating_ids is False  # today's default

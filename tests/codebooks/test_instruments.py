"""Codebooks: the five shipped codebooks load and say what the seeds say; every class of
self-contradiction is refused with a message naming the item and the problem; dtypes; label,
alias and header resolution in English, Chinese and Indonesian, with case/whitespace folding
only where it is unambiguous."""

from __future__ import annotations

import copy
import hashlib
import re

import pandas as pd
import pytest
import yaml

import cxresearch as cx
from cxresearch import paths
from cxresearch.codebooks.instrument import instrument_from_text, list_instruments, normalise_label
from cxresearch.errors import CodebookError

STUDIES = ["mopinion_dcxm", "mitto_cx", "cxn_dcx", "gscx_trends", "ecsi_mobi"]
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


# ---------------------------------------------------------------------- shipped codebooks
@pytest.mark.parametrize("study", STUDIES)
def test_shipped_codebook_loads_and_is_complete(study):
    inst = cx.load_instrument(study)
    assert inst.name == study
    assert inst.sha256 == hashlib.sha256(inst.path.read_bytes()).hexdigest()
    for key in ("title", "publisher", "fieldwork_year", "population", "source", "languages"):
        assert key in inst.meta
    assert inst.id_column() == "respondent_id"
    langs = inst.meta["languages"]
    for it in inst:
        assert set(langs) <= set(it.wording), it.id
        if it.assumed:
            assert it.assumed_reason and len(it.assumed_reason.splitlines()) == 1, it.id
        for lv in it.levels:
            assert SNAKE.match(lv.value) and set(langs) <= set(lv.labels), (it.id, lv)
        for op in it.options:
            assert SNAKE.match(op.value) and set(langs) <= set(op.labels), (it.id, op)
    assert study in list_instruments()


def test_loading_twice_is_cached_and_name_or_path_give_the_same_codebook():
    a = cx.load_instrument("mitto_cx")
    assert cx.load_instrument("mitto_cx") is a
    b = cx.load_instrument(paths.instruments_dir() / "mitto_cx.yaml")
    assert b.sha256 == a.sha256 and list(b.items) == list(a.items)
    assert cx.load_instrument(a) is a


def test_mopinion_has_three_dimensions_of_four_five_point_statements():
    inst = cx.load_instrument("mopinion_dcxm")
    assert set(inst.indices) == {"measure", "manage", "master"}
    for name, ids in inst.indices.items():
        assert len(ids) == 4
        for i in ids:
            it = inst.items[i]
            assert it.type == "likert" and it.codes == [1, 2, 3, 4, 5] and it.dimension == name
        assert inst.index_info[name]["scoring"] == "percent_of_max"
    # the six statements whose scores are published are paraphrased, the others invented
    published = [i for i in inst.items.values() if i.evidence and i.type == "likert"]
    assert len(published) == 6
    assert inst.items["dcx_success"].ordered and inst.items["dcx_success"].is_ordinal


def test_mitto_segments_and_design_columns():
    inst = cx.load_instrument("mitto_cx")
    assert inst.design_columns() == {"weights": "weight", "strata": None, "psu": None,
                                     "fpc": None}
    assert inst.items["role"].values == ["marketing", "customer_service"]
    owner = inst.items["cx_owner"]
    assert {"ceo", "head_of_marketing", "head_of_customer_service", "no_clear_owner"} <= set(
        owner.values)
    assert not owner.ordered
    mat = inst.items["omnichannel_maturity"]
    assert mat.ordered and mat.values[-1] == "full_omnichannel"
    assert mat.groups["high_maturity"] == ["full_omnichannel"]
    assert inst.items["nps"].codes == list(range(11))
    assert inst.items["csat_pct"].scale_max == 100
    assert inst.items["channels_used"].options[0].value == "email"
    assert "respondent_email" not in inst.columns()
    assert "respondent_email" in inst.columns(include_pii=True)


def test_gscx_multiselects_are_top_three():
    inst = cx.load_instrument("gscx_trends")
    for i in ("top_trends", "investment_priorities"):
        it = inst.items[i]
        assert it.type == "multi" and it.max_choices == 3 and len(it.options) >= 15
    metrics = {op.value for op in inst.items["digital_cx_metrics"].options}
    assert metrics == {"fcr", "csat", "ces", "nps", "aht", "resolution_time", "clv"}
    assert "top_trends__digital_cx" in inst.columns()


def test_ledger_segment_names_exist_in_the_codebooks():
    """The published ledger's `group` column uses the codebooks' values (h1/h4 contract)."""
    ledger_path = paths.published_dir() / "ledger.csv"
    if not ledger_path.exists():
        pytest.skip("no ledger yet")
    led = pd.read_csv(ledger_path, dtype=str)
    mop, mit = cx.load_instrument("mopinion_dcxm"), cx.load_instrument("mitto_cx")
    gs = cx.load_instrument("gscx_trends")
    checks = {
        ("mopinion_dcxm", "statement_score"): set(mop.items),
        ("mopinion_dcxm", "dimension_score"): set(mop.indices),
        ("mitto_cx", "cx_owner_share"): set(mit.items["cx_owner"].values),
        ("mitto_cx", "cx_owner_rank"): set(mit.items["cx_owner"].values),
        ("gscx_trends", "trend_share"): {o.value for o in gs.items["top_trends"].options},
        ("gscx_trends", "trend_rank"): {o.value for o in gs.items["top_trends"].options},
        ("gscx_trends", "investment_priority_rank"):
            {o.value for o in gs.items["investment_priorities"].options},
    }
    for (study, metric), allowed in checks.items():
        groups = set(led.loc[(led.study == study) & (led.metric == metric), "group"])
        assert groups <= allowed, (study, metric, groups - allowed)


def test_ecsi_codebook_matches_the_real_data_file():
    inst = cx.load_instrument("ecsi_mobi")
    df = pd.read_csv(paths.examples_dir() / "ecsi_mobi" / "mobi.csv")
    assert df.shape == (250, 24)
    cols = [inst.resolve_column(h) for h in df.columns]
    assert None not in cols and len(set(cols)) == 24
    for header, col in zip(df.columns, cols, strict=True):
        item = inst.items[col]
        assert item.type == "rating" and (item.scale_min, item.scale_max) == (1, 10)
        assert {item.code_for(v) for v in df[header].unique()} <= set(range(1, 11))
    assert {len(v) for v in inst.indices.values()} == {1, 2, 3, 5, 7}
    assert "1-10" in inst.items["cusl3"].note and "NPS" in inst.items["cusl3"].note


# ---------------------------------------------------------------------- a small valid codebook
BASE = {
    "format_version": 1,
    "study": "toy",
    "meta": {"title": "Toy", "publisher": "Us", "fieldwork_year": 2024, "population": "Staff",
             "source": ["toy.txt"], "languages": ["en", "zh", "id"]},
    "scales": {"agree3": {"ordered": True, "levels": [
        {"code": 1, "value": "disagree", "labels": {"en": "Disagree", "zh": "不同意", "id": "Tidak setuju"}},
        {"code": 2, "value": "neutral", "labels": {"en": "Neutral", "zh": "中立", "id": "Netral"}},
        {"code": 3, "value": "agree", "labels": {"en": "Agree", "zh": "同意", "id": "Setuju"}}],
        "missing": [{"code": -99, "labels": {"en": "Don't know", "zh": "不知道", "id": "Tidak tahu"}}]}},
    "items": [
        {"id": "rid", "type": "id", "wording": {"en": "Id", "zh": "编号", "id": "ID"},
         "aliases": ["ResponseId"]},
        {"id": "q_a", "type": "likert", "scale": "agree3", "aliases": ["Q1"],
         "wording": {"en": "A", "zh": "甲", "id": "A"}},
        {"id": "q_b", "type": "likert", "scale": "agree3", "aliases": ["Q2"], "reverse": True,
         "wording": {"en": "B", "zh": "乙", "id": "B"}},
        {"id": "team", "type": "single", "aliases": ["Team", "团队"],
         "wording": {"en": "Team", "zh": "团队", "id": "Tim"},
         "levels": [
             {"code": 1, "value": "marketing", "labels": {"en": "Marketing", "zh": "营销", "id": "Pemasaran"}},
             {"code": 2, "value": "customer_service", "labels": {"en": "Customer service", "zh": "客户服务", "id": "Layanan pelanggan"}}]},
        {"id": "chan", "type": "multi", "max_choices": 2, "aliases": ["Q4"],
         "wording": {"en": "Channels", "zh": "渠道", "id": "Saluran"},
         "options": [
             {"value": "email", "labels": {"en": "Email", "zh": "电子邮件", "id": "Email"}},
             {"value": "sms", "labels": {"en": "SMS", "zh": "短信", "id": "SMS"}},
             {"value": "voice", "labels": {"en": "Voice, phone", "zh": "语音", "id": "Suara"}}]},
        {"id": "score", "type": "nps_0_10", "wording": {"en": "NPS", "zh": "净推荐值", "id": "NPS"}},
        {"id": "pct", "type": "numeric", "scale_min": 0, "scale_max": 100, "missing": [-99],
         "wording": {"en": "Pct", "zh": "百分比", "id": "Persen"}},
        {"id": "note_txt", "type": "text", "pii": True,
         "wording": {"en": "Email", "zh": "邮箱", "id": "Email"}},
        {"id": "w", "type": "weight", "wording": {"en": "W", "zh": "权重", "id": "Bobot"}},
    ],
    "indices": {"idx": ["q_a", "q_b"]},
}


def _load(doc) -> cx.Instrument:
    return instrument_from_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))


def _item(doc, item_id):
    return next(i for i in doc["items"] if i["id"] == item_id)


def test_base_codebook_is_valid():
    inst = _load(BASE)
    assert list(inst.items) == ["rid", "q_a", "q_b", "team", "chan", "score", "pct",
                                "note_txt", "w"]


def _dup_item(d):
    d["items"].append(copy.deepcopy(_item(d, "q_a")))


def _dup_code(d):
    _item(d, "team")["levels"][1]["code"] = 1


def _dup_value(d):
    _item(d, "team")["levels"][1]["value"] = "marketing"


def _dup_label(d):
    _item(d, "team")["levels"][1]["labels"]["zh"] = "营销"


def _alias_two_items(d):
    _item(d, "team")["aliases"].append("Q1")


def _alias_is_other_id(d):
    _item(d, "team")["aliases"].append("q_a")


def _index_missing_item(d):
    d["indices"]["idx"].append("q_zzz")


def _index_non_ordinal(d):
    d["indices"]["idx"].append("team")


def _no_levels(d):
    _item(d, "team").pop("levels")


def _likert_no_levels(d):
    _item(d, "q_a").pop("scale")


def _unknown_type(d):
    _item(d, "pct")["type"] = "slider"


def _min_gt_max(d):
    _item(d, "pct").update(scale_min=100, scale_max=0)


def _reverse_unordered(d):
    _item(d, "team")["reverse"] = True


def _reverse_multi(d):
    _item(d, "chan")["reverse"] = True


def _missing_is_code(d):
    _item(d, "q_a")["missing"] = [2]


def _missing_label_is_label(d):
    _item(d, "team")["missing"] = ["Marketing"]


def _missing_inside_numeric_range(d):
    _item(d, "pct")["missing"] = [50]


def _two_weights(d):
    d["items"].append({"id": "w2", "type": "weight",
                       "wording": {"en": "W2", "zh": "权重2", "id": "Bobot 2"}})


def _two_ids(d):
    d["items"].append({"id": "rid2", "type": "id", "wording": {"en": "I", "zh": "号", "id": "I"}})


def _assumed_no_reason(d):
    _item(d, "q_a")["assumed"] = True


def _bad_value(d):
    _item(d, "team")["levels"][0]["value"] = "Marketing Team"


def _missing_lang(d):
    del _item(d, "team")["levels"][0]["labels"]["id"]


def _unknown_key(d):
    _item(d, "team")["wordng"] = "typo"


def _max_choices(d):
    _item(d, "chan")["max_choices"] = 5


def _levels_on_multi(d):
    _item(d, "chan")["levels"] = copy.deepcopy(_item(d, "team")["levels"])


def _nps_range(d):
    _item(d, "score")["scale_max"] = 5


def _rating_without_range(d):
    _item(d, "pct")["type"] = "rating"
    _item(d, "pct").pop("scale_max")


def _code_outside_scale(d):
    _item(d, "q_a").update(scale_min=1, scale_max=2)


def _unknown_scale(d):
    _item(d, "q_a")["scale"] = "agree7"


def _numeric_label_other_code(d):
    _item(d, "team")["levels"][0]["aliases"] = ["2"]


def _bool_label(d):
    _item(d, "team")["levels"][0]["labels"]["en"] = True


def _dup_option(d):
    _item(d, "chan")["options"][1]["value"] = "email"


def _options_on_single(d):
    _item(d, "team")["options"] = copy.deepcopy(_item(d, "chan")["options"])


def _ordered_false_likert(d):
    _item(d, "q_a")["ordered"] = False


def _meta_missing(d):
    del d["meta"]["population"]


def _ignore_is_alias(d):
    d["ignore_columns"] = ["Q1"]


def _bad_group(d):
    _item(d, "team")["groups"] = {"front": ["marketing", "sales"]}


def _format_version(d):
    d["format_version"] = 2


def _double_underscore_id(d):
    _item(d, "pct")["id"] = "p__ct"


CONTRADICTIONS = [
    (_dup_item, ["duplicate item id 'q_a'"]),
    (_dup_code, ["item 'team'", "duplicate code 1"]),
    (_dup_value, ["item 'team'", "duplicate value 'marketing'"]),
    (_dup_label, ["item 'team'", "label '营销' is used for codes 1 and 2"]),
    (_alias_two_items, ["alias 'Q1' is used by items 'q_a' and 'team'"]),
    (_alias_is_other_id, ["alias 'q_a' is used by items 'q_a' and 'team'"]),
    (_index_missing_item, ["index 'idx'", "'q_zzz'", "not in the codebook"]),
    (_index_non_ordinal, ["index 'idx'", "'team'", "no ordered numeric scale"]),
    (_no_levels, ["item 'team'", "needs levels"]),
    (_likert_no_levels, ["item 'q_a'", "needs levels"]),
    (_unknown_type, ["item 'pct'", "unknown type 'slider'"]),
    (_min_gt_max, ["item 'pct'", "scale_min 100 is greater than scale_max 0"]),
    (_reverse_unordered, ["item 'team'", "reverse keying needs an ordinal item"]),
    (_reverse_multi, ["item 'chan'", "reverse keying needs an ordinal item"]),
    (_missing_is_code, ["item 'q_a'", "missing code 2 is also a valid code"]),
    (_missing_label_is_label, ["item 'team'", "missing label 'Marketing'"]),
    (_missing_inside_numeric_range, ["item 'pct'", "missing code 50"]),
    (_two_weights, ["more than one weight column: w, w2"]),
    (_two_ids, ["more than one id column: rid, rid2"]),
    (_assumed_no_reason, ["item 'q_a'", "assumed_reason"]),
    (_bad_value, ["item 'team'", "snake_case", "'Marketing Team'"]),
    (_missing_lang, ["item 'team'", "no label in 'id'"]),
    (_unknown_key, ["item 'team'", "unknown key 'wordng'"]),
    (_max_choices, ["item 'chan'", "max_choices"]),
    (_levels_on_multi, ["item 'chan'", "cannot have levels"]),
    (_nps_range, ["item 'score'", "0 to 10"]),
    (_rating_without_range, ["item 'pct'", "needs scale_min and scale_max"]),
    (_code_outside_scale, ["item 'q_a'", "level code 3 lies outside scale 1..2"]),
    (_unknown_scale, ["item 'q_a'", "scale 'agree7' is not defined"]),
    (_numeric_label_other_code, ["item 'team'", "label '2' of code 1 looks like code 2"]),
    (_bool_label, ["item 'team'", "non-empty text", "True"]),
    (_dup_option, ["item 'chan'", "duplicate option value 'email'"]),
    (_options_on_single, ["item 'team'", "only multi-select items have options"]),
    (_ordered_false_likert, ["item 'q_a'", "ordered by definition"]),
    (_meta_missing, ["meta: population is missing"]),
    (_ignore_is_alias, ["ignore_columns lists 'Q1'"]),
    (_bad_group, ["item 'team'", "group 'front'", "sales"]),
    (_double_underscore_id, ["'p__ct'", "without '__'"]),
    (_format_version, ["format_version 2 is not supported"]),
]


@pytest.mark.parametrize("mutate, expected", CONTRADICTIONS,
                         ids=[m.__name__.strip("_") for m, _ in CONTRADICTIONS])
def test_self_contradiction_is_refused_with_a_message_naming_it(mutate, expected):
    doc = copy.deepcopy(BASE)
    mutate(doc)
    with pytest.raises(CodebookError) as info:
        _load(doc)
    msg = str(info.value)
    for part in expected:
        assert part in msg, (part, msg)
    assert isinstance(info.value, ValueError)


def test_every_problem_is_reported_at_once():
    doc = copy.deepcopy(BASE)
    for mutate in (_dup_code, _alias_two_items, _index_missing_item, _min_gt_max,
                   _two_weights, _missing_is_code):
        mutate(doc)
    with pytest.raises(CodebookError) as info:
        _load(doc)
    assert len(info.value.problems) >= 6
    text = str(info.value)
    assert text.count("\n  - ") == len(info.value.problems)
    for part in ("duplicate code 1", "alias 'Q1'", "'q_zzz'", "scale_min 100",
                 "more than one weight", "missing code 2"):
        assert part in text


def test_duplicate_yaml_keys_and_invalid_yaml_are_refused():
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False)
    doubled = text.replace("study: toy\n", "study: toy\nstudy: toy2\n")
    with pytest.raises(CodebookError, match="key 'study' appears twice"):
        instrument_from_text(doubled)
    with pytest.raises(CodebookError, match="not valid YAML"):
        instrument_from_text("items: [unclosed\n")
    with pytest.raises(CodebookError, match="must be a YAML mapping"):
        instrument_from_text("- a\n- b\n")


def test_unquoted_yes_no_value_is_caught():
    text = yaml.safe_dump(BASE, allow_unicode=True, sort_keys=False)
    text = text.replace("value: marketing", "value: no")  # YAML reads this as False
    with pytest.raises(CodebookError, match="value must be snake_case text, got False"):
        instrument_from_text(text)


def test_lookup_by_name_uses_instruments_dir_and_checks_the_file_name(tmp_path, monkeypatch):
    folder = tmp_path / "instruments"
    folder.mkdir()
    (folder / "toy.yaml").write_text(yaml.safe_dump(BASE, allow_unicode=True), "utf-8")
    (folder / "wrong.yaml").write_text(yaml.safe_dump(BASE, allow_unicode=True), "utf-8")
    monkeypatch.setenv("CXRESEARCH_DATA", str(tmp_path))
    assert cx.load_instrument("toy").name == "toy"
    with pytest.raises(CodebookError, match="does not match the file name 'wrong'"):
        cx.load_instrument("wrong")
    with pytest.raises(ValueError, match="no codebook named 'nope'.*available: .*toy, wrong"):
        cx.load_instrument("nope")
    with pytest.raises(ValueError, match="does not exist"):
        cx.load_instrument(tmp_path / "missing.yaml")


# ---------------------------------------------------------------------- dtypes
def test_dtypes_follow_the_contract():
    inst = _load(BASE)
    assert inst.dtype("q_a") == "Int64" and inst.dtype("score") == "Int64"
    assert inst.dtype("pct") == "Float64" and inst.dtype("w") == "Float64"
    assert inst.dtype("rid") == "string" and inst.dtype("chan__sms") == "boolean"
    team = inst.dtype("team")
    assert isinstance(team, pd.CategoricalDtype) and not team.ordered
    assert list(team.categories) == ["marketing", "customer_service"]
    mop = cx.load_instrument("mopinion_dcxm").dtype("dcx_success")
    assert mop.ordered and list(mop.categories)[0] == "not_at_all_successful"
    assert inst.columns() == ["rid", "q_a", "q_b", "team", "chan__email", "chan__sms",
                              "chan__voice", "score", "pct", "w"]
    assert inst.design_columns() == {"weights": "w", "strata": None, "psu": None, "fpc": None}
    with pytest.raises(KeyError, match="'chan__fax' is not a column"):
        inst.dtype("chan__fax")


def test_apply_dtypes_restores_and_refuses_unknown_levels():
    inst = _load(BASE)
    raw = pd.DataFrame({"rid": ["1", "2", "3"], "q_a": [1.0, 3.0, None],
                        "team": ["marketing", 2, None], "chan__sms": [True, False, None],
                        "pct": [10, 55.5, None], "extra": [1, 2, 3]})
    out = inst.apply_dtypes(raw)
    assert str(out["q_a"].dtype) == "Int64" and out["q_a"].isna().sum() == 1
    assert list(out["team"].astype(object)[:2]) == ["marketing", "customer_service"]
    assert out["team"].isna().sum() == 1
    assert str(out["chan__sms"].dtype) == "boolean" and str(out["pct"].dtype) == "Float64"
    assert out["extra"].dtype == raw["extra"].dtype
    with pytest.raises(ValueError, match=r"column 'team'.*\['sales'\] are not levels"):
        inst.apply_dtypes(pd.DataFrame({"team": ["marketing", "sales"]}))
    with pytest.raises(ValueError, match="column 'q_a'"):
        inst.apply_dtypes(pd.DataFrame({"q_a": [1.5]}))


# ---------------------------------------------------------------------- labels and headers
@pytest.mark.parametrize("raw, code", [
    (3, 3), ("3", 3), (3.0, 3), (" Agree ", 3), ("同意", 3), ("Setuju", 3), ("agree", 3),
    ("AGREE", 3), ("Ａｇｒｅｅ", 3), ("neutral", 2), ("3 - Agree", 3), ("1 = Disagree", 1),
    (-99, None), ("-99", None), ("Don't know", None), ("不知道", None), ("tidak tahu", None),
    (None, None), ("", None), (float("nan"), None),
])
def test_code_for_accepts_codes_and_labels_in_every_language(raw, code):
    assert _load(BASE).items["q_a"].code_for(raw) == code


@pytest.mark.parametrize("raw, message", [
    (4, "outside the item's codes"), ("2.5", "not a whole number"), (2.5, "not a whole number"),
    ("Agreed", "not a code, label or missing code"), ("3 - Disagree", "does not match label"),
    ("Strongly agree", "expected 1=Disagree"),
])
def test_code_for_names_the_item_value_and_hint(raw, message):
    with pytest.raises(ValueError, match="item 'q_a'") as info:
        _load(BASE).items["q_a"].code_for(raw)
    assert message in str(info.value) and repr(raw) in str(info.value)


def test_label_maps_per_language():
    team = _load(BASE).items["team"]
    assert team.label_map("zh") == {"营销": 1, "客户服务": 2}
    assert team.label_map("id") == {"Pemasaran": 1, "Layanan pelanggan": 2}
    every = team.label_map()
    assert every["Marketing"] == 1 and every["customer_service"] == 2
    assert team.value_for("客户服务") == "customer_service"
    assert team.level(2).label("id") == "Layanan pelanggan"


def test_case_folding_only_where_unambiguous():
    doc = copy.deepcopy(BASE)
    _item(doc, "team")["levels"][1]["aliases"] = ["MARKETING"]  # differs only in case
    team = _load(doc).items["team"]
    assert team.code_for("Marketing") == 1 and team.code_for("MARKETING") == 2
    assert team.code_for(" marketing ") == 1      # the level value, exactly
    with pytest.raises(ValueError, match="not a code, label"):
        team.code_for("mArKeTiNg")                # folds to both codes: refused
    assert team.code_for("pemasaran") == 1       # folds to one code only: accepted


def test_numeric_and_nps_values():
    inst = _load(BASE)
    assert inst.items["pct"].code_for("55.5") == 55.5
    assert inst.items["pct"].code_for(-99) is None
    with pytest.raises(ValueError, match="above the maximum 100"):
        inst.items["pct"].code_for(101)
    with pytest.raises(ValueError, match="is not a number"):
        inst.items["pct"].code_for("lots")
    assert inst.items["score"].code_for("0") == 0
    with pytest.raises(ValueError, match=r"outside the item's codes \(0..10\)"):
        inst.items["score"].code_for(11)


def test_resolve_column_ids_aliases_options_and_ignored():
    inst = cx.load_instrument("mitto_cx")
    assert inst.resolve_column("Q9") == "cx_owner"
    assert inst.resolve_column("  cx owner ") == "cx_owner"       # case + whitespace
    assert inst.resolve_column("客户体验负责人") == "cx_owner"       # Chinese header
    assert inst.resolve_column("Pemilik CX") == "cx_owner"         # Indonesian header
    assert inst.resolve_column("Response ID") == "respondent_id"
    assert inst.resolve_column("Q4_3") == "channels_used__sms"     # Qualtrics per-option
    assert inst.resolve_column("channels_used__sms") == "channels_used__sms"
    assert inst.resolve_column("Q4") == "channels_used"            # one combined column
    assert inst.split_column("channels_used__sms") == ("channels_used", "sms")
    assert inst.resolve_column("Progress") is None and inst.is_ignored("progress")
    assert inst.resolve_column("favourite_colour") is None
    assert not inst.is_ignored("favourite_colour")


def test_resolve_column_refuses_an_ambiguous_case_folded_header():
    doc = copy.deepcopy(BASE)
    _item(doc, "q_a")["aliases"] = ["Score A"]
    _item(doc, "q_b")["aliases"] = ["SCORE A"]
    inst = _load(doc)
    assert inst.resolve_column("Score A") == "q_a" and inst.resolve_column("SCORE A") == "q_b"
    with pytest.raises(ValueError, match="matches several columns.*q_a, q_b"):
        inst.resolve_column("score a")


def test_multi_select_cells():
    chan = _load(BASE).items["chan"]
    assert chan.split_multi("Email;SMS") == {"email", "sms"}
    assert chan.split_multi("电子邮件, 短信") == {"email", "sms"}
    assert chan.split_multi("1,3") == {"email", "voice"}
    assert chan.split_multi("Voice, phone") == {"voice"}      # a label with a comma
    assert chan.split_multi("") is None
    with pytest.raises(ValueError, match="more than the maximum 2"):
        chan.split_multi("Email;SMS;Voice, phone")
    with pytest.raises(ValueError, match="'Fax' is not an option"):
        chan.split_multi("Email;Fax")
    assert chan.option_flag("SMS", "sms") is True
    assert chan.option_flag("1", "sms") is True and chan.option_flag(0, "sms") is False
    assert chan.option_flag("是", "sms") is True and chan.option_flag("tidak", "sms") is False
    assert chan.option_flag(None, "sms") is None
    with pytest.raises(ValueError, match="not a tick mark for option 'sms'"):
        chan.option_flag("Email", "sms")


def test_normalise_label():
    assert normalise_label("  Strongly\tAGREE ") == "strongly agree"
    assert normalise_label("ＡＢＣ　１") == "abc 1"


def test_codebook_table_lists_every_item():
    tab = cx.load_instrument("mopinion_dcxm").codebook_table("zh")
    assert len(tab) == 17 and tab.loc[tab.item == "measure_all_channels", "assumed"].item()
    assert "非常同意" in tab.loc[tab.item == "measure_all_channels", "answers"].item()


def test_apply_dtypes_from_categoricals_and_a_replaced_item_keeps_its_lookups():
    import dataclasses

    inst = _load(BASE)
    parquet_like = pd.DataFrame({"team": pd.Categorical(["customer_service", None])})
    out = inst.apply_dtypes(parquet_like)
    assert list(out["team"].cat.categories) == ["marketing", "customer_service"]
    assert out["team"].iloc[0] == "customer_service" and pd.isna(out["team"].iloc[1])
    with pytest.raises(ValueError, match=r"\['sales'\] are not levels"):
        inst.apply_dtypes(pd.DataFrame({"team": pd.Categorical(["sales", "marketing"])}))
    chan = dataclasses.replace(inst.items["chan"], max_choices=None)  # as the ingester does
    assert chan.split_multi("Email;SMS;Voice, phone") == {"email", "sms", "voice"}
    assert chan.option_for("短信") == "sms"

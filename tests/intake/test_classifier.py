import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from intake.classify import ModelNotTrained, evaluate, load_classifier, train
from intake.classify.training import DEV_PATH, TEST_PATH, TRAIN_PATH, read_examples

ROOT = Path(__file__).resolve().parents[2]


def test_beats_targets_on_the_held_out_split(classifier):
    report = evaluate(classifier)
    assert report.examples >= 300
    assert report.top1 >= 0.90, report.top1
    assert report.top3 >= 0.98, report.top3
    assert report.macro_f1 >= 0.8
    assert report.oos_precision >= 0.9 and report.oos_recall >= 0.9


def test_held_out_split_is_not_training_or_calibration_text():
    seen = {e.text for e in read_examples(TRAIN_PATH)} | {e.text for e in read_examples(DEV_PATH)}
    assert not [e.text for e in read_examples(TEST_PATH) if e.text in seen]


@pytest.mark.parametrize("text, code", [
    ("喂你好，我想反映一下，我们小区北门那个垃圾桶都满出来了，一直没人来拉，电话13805321234", "06042"),
    ("香港中路18号门口人行道上一个井盖没了，晚上很危险", "01023"),
    ("楼下烧烤店的油烟全往我家窗户里钻", "06027"),
    ("半夜两点了工地还在打桩", "08001"),
])
def test_classifies_typical_complaints(classifier, text, code):
    result = classifier.classify(text)
    assert result.in_scope and result.code == code
    assert result.name == classifier.names[code]
    confidences = [c.confidence for c in result.candidates]
    assert result.candidates[0].code == code and confidences == sorted(confidences, reverse=True)
    assert 0 < sum(confidences) <= 1 + 1e-9 and len(result.candidates) == 5


@pytest.mark.parametrize("text", [
    "你好，我想问问我的医保卡怎么激活", "公司欠了我两个月工资不给", "孩子上初中的学区怎么划分的",
    "物业费收得太贵了能不能投诉物业", "退休金这个月怎么还没到账",
])
def test_out_of_scope_is_recognised(classifier, text):
    result = classifier.classify(text)
    assert not result.in_scope and result.code is None and result.name is None
    assert result.confidence > 0.5
    assert result.to_dict()["code"] is None


def test_empty_text_is_out_of_scope_without_a_guess(classifier):
    results = classifier.classify_many(["", "   ", "路灯不亮了"])
    assert [r.in_scope for r in results] == [False, False, True]
    assert results[0].confidence == 0 and results[0].candidates == ()


def test_fast_path_matches_sklearn(classifier):
    texts = [e.text for e in read_examples(TEST_PATH)][:50]
    expected = classifier.model.decision_function(classifier.vectorizer.transform(texts))
    np.testing.assert_allclose(classifier.scores(texts), expected, atol=1e-6)
    np.testing.assert_allclose(classifier.scores(texts[:1]), expected[:1], atol=1e-6)


def test_training_is_deterministic(classifier, tmp_path: Path):
    again = load_classifier(train(tmp_path / "again.joblib").path)
    texts = [e.text for e in read_examples(TEST_PATH)]
    assert again.temperature == classifier.temperature
    np.testing.assert_array_equal(again.probabilities(texts), classifier.probabilities(texts))


def test_without_a_dev_split_the_temperature_comes_from_grouped_folds(classifier, tmp_path: Path):
    lines = TRAIN_PATH.read_text(encoding="utf-8").splitlines()
    subset = tmp_path / "train.jsonl"
    subset.write_text("\n".join(lines[::2]) + "\n", encoding="utf-8")
    result = train(tmp_path / "folds.joblib", train_path=subset, calibration_path=None)
    folds = load_classifier(result.path)
    assert 0.005 < folds.temperature < 1 and folds.temperature != classifier.temperature
    assert folds.classify("小区门口垃圾桶满了没人倒").code == "06042"


def test_missing_model_is_reported_not_trained(tmp_path: Path):
    with pytest.raises(ModelNotTrained, match="python -m intake train"):
        load_classifier(tmp_path / "nothing.joblib")


def test_load_is_cached_per_path(model_file: Path, classifier):
    assert load_classifier(model_file) is classifier
    assert load_classifier(str(model_file)) is classifier


def test_unknown_codes_in_training_data_are_rejected(tmp_path: Path):
    data = tmp_path / "train.jsonl"
    data.write_text(json.dumps({"text": "有东西坏了", "code": "06031"}, ensure_ascii=False) + "\n", "utf-8")
    with pytest.raises(ValueError, match="06031"):
        train(tmp_path / "m.joblib", train_path=data)


def run_cli(args: list[str], stdin: str, model_file: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "INTAKE_MODEL_PATH": str(model_file), "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "intake", *args], input=stdin, capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120, check=False)


def test_cli_classify_round_trip(model_file: Path):
    stdin = "\n".join([
        json.dumps({"text": "共享单车把地铁口堵得死死的"}, ensure_ascii=False),
        "{not json",
        json.dumps({"text": "我想咨询一下社保缴费基数"}, ensure_ascii=False),
        json.dumps({"txt": "wrong key"}),
        "",
    ]) + "\n"
    proc = run_cli(["classify"], stdin, model_file)
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(lines) == 4
    first, bad, oos, wrong = lines
    assert first["in_scope"] is True and first["code"] == "09011" and first["name"] == "共享单车乱象"
    assert 0 < first["confidence"] <= 1 and len(first["candidates"]) == 5
    assert set(first["candidates"][0]) == {"code", "name", "confidence"}
    assert "error" in bad and bad["line"] == 2
    assert oos["in_scope"] is False and oos["code"] is None and oos["name"] is None
    assert "error" in wrong


def test_cli_evaluate_prints_metrics(model_file: Path):
    proc = run_cli(["evaluate", "--check"], "", model_file)
    assert proc.returncode == 0, proc.stderr
    for label in ("top-1 accuracy", "top-3 accuracy", "macro-F1", "out-of-scope prec.", "out-of-scope rec.",
                  "in-scope sent away", "06010", "09006", "\nreal ", "\nreal/long ", "\ntest "):
        assert label in proc.stdout
    # the real-register slices and the generated-style one are told apart (issue 20)
    assert "heldout_real.jsonl" in proc.stdout and "generated hotline/mini-program style (test.jsonl)" in proc.stdout


def test_cli_without_model_fails_clearly(tmp_path: Path):
    proc = run_cli(["classify"], '{"text": "路灯坏了"}\n', tmp_path / "missing.joblib")
    assert proc.returncode == 2 and "python -m intake train" in proc.stderr


@pytest.mark.parametrize("text", ["树枝挡住了红绿灯", "路边大树的树枝把红绿灯挡住了，看不清"])
def test_a_tree_hiding_a_traffic_light_is_a_tree_matter_for_greening(classifier, text):
    """Issue 17: the branches are pruned by greening; the traffic police cannot fix a tree."""
    from intake.routing import load_routing

    result = classifier.classify(text)
    assert result.code == "04002"  # 行道树异常
    assert load_routing().route(result.code, None).department_name == "市南区园林绿化服务中心"


@pytest.mark.parametrize("text", ["垃圾车半夜三点收垃圾哐哐响", "晚上收垃圾的车太吵了"])
def test_refuse_collection_at_night_is_noise_not_an_overflowing_bin(classifier, text):
    """The complaint is the noise of the work, not rubbish left out: 噪声扰民, with the bin a distant second."""
    result = classifier.classify(text)
    assert result.code == "06028" and result.confidence >= 0.9


@pytest.mark.parametrize("text", ["垃圾站满了，垃圾溢出来好几天没人清", "垃圾桶满了没人收"])
def test_an_overflowing_bin_is_still_an_overflowing_bin(classifier, text):
    assert classifier.classify(text).code == "06042"
